"""Redis URLs and the local password file."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow.errors import ConfigError
from notification.connection import describe_url, normalize_url, with_password


@pytest.mark.parametrize(
    ("given", "expected"),
    [("localhost:50052", "redis://localhost:50052/0"), ("redis://h:1/2", "redis://h:1/2"),
     (" rediss://:pw@h:1/0 ", "rediss://:pw@h:1/0")],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize("given", ["http://host:1", "redis://", "redis:///0"])
def test_normalize_url_rejects_other_schemes_and_missing_hosts(given: str) -> None:
    with pytest.raises(ConfigError, match="not a Redis URL"):
        normalize_url(given)


def test_the_password_file_fills_in_a_missing_password(tmp_path: Path) -> None:
    secret = tmp_path / "redis.password"
    secret.write_text("s3/cr@t\n")

    assert with_password("redis://h:1/0", secret) == "redis://:s3%2Fcr%40t@h:1/0"
    assert with_password("redis://:given@h:1/0", secret) == "redis://:given@h:1/0"
    assert with_password("redis://h:1/0", tmp_path / "absent") == "redis://h:1/0"


def test_describe_url_hides_the_password() -> None:
    assert describe_url("redis://user:secret@h:1/0") == "redis://user:***@h:1/0"
    assert describe_url("redis://h:1/0") == "redis://h:1/0"
