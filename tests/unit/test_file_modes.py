"""New folders are 0700 whatever the umask; existing ones keep their mode; config files are 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiflow.config import ServerConfig
from aiflow.config.loader import write_config_file
from aiflow.file_modes import private_folder


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """A umask that would leave new files readable by everyone (the explicit modes must not rely on it)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_private_folder_creates_every_missing_level_0700(tmp_path: Path) -> None:
    existing = tmp_path / "existing"
    existing.mkdir(mode=0o755)

    created = private_folder(existing / "a" / "b")

    assert created == existing / "a" / "b" and created.is_dir()
    assert (mode(existing / "a"), mode(created), mode(existing)) == (0o700, 0o700, 0o755)
    assert private_folder(created) == created  # again: nothing to do


def test_a_config_file_and_its_new_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "aiflow_server.yaml"

    assert write_config_file(path, ServerConfig, {"worker_token": "secret"})

    assert (mode(path.parent), mode(path)) == (0o700, 0o600)
