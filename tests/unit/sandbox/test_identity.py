"""Which user a sandbox runs as: the configured one only if it exists and can run the interpreter."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiflow.sandbox.identity import interpreter_usable_by, sandbox_identity, unprivileged_identity

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="switching users needs root")


@pytest.fixture(autouse=True)
def fresh_checks() -> Iterator[None]:
    """Forget what earlier tests found (the checks are made once per process)."""
    unprivileged_identity.cache_clear()
    yield
    unprivileged_identity.cache_clear()


def test_no_user_keeps_the_current_one() -> None:
    assert sandbox_identity(None) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="runs as root")
def test_a_server_that_is_not_root_keeps_its_user() -> None:
    assert sandbox_identity("nobody") is None


@root_only
def test_a_missing_user_is_not_used_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    assert sandbox_identity("no-such-user-for-aiflow") is None
    assert sandbox_identity("no-such-user-for-aiflow") is None

    assert caplog.text.count("Sandbox: no user 'no-such-user-for-aiflow'") == 1


@root_only
def test_root_is_never_a_sandbox_user() -> None:
    assert sandbox_identity("root") is None


@root_only
def test_the_interpreter_check_runs_it_as_that_user(tmp_path: Path) -> None:
    hidden = tmp_path / "private"
    hidden.mkdir(mode=0o700)
    (hidden / "python").symlink_to(sys.executable)

    assert interpreter_usable_by(0, 0, sys.executable)
    assert not interpreter_usable_by(65534, 65534, str(hidden / "python"))
    assert not interpreter_usable_by(0, 0, str(tmp_path / "absent"))


@root_only
def test_a_user_that_cannot_run_the_interpreter_is_not_used(caplog: pytest.LogCaptureFixture) -> None:
    if interpreter_usable_by(65534, 65534, sys.executable):
        assert sandbox_identity("nobody") == (65534, 65534)
    else:
        assert sandbox_identity("nobody") is None
        assert f"Sandbox: user 'nobody' cannot run {sys.executable}" in caplog.text
