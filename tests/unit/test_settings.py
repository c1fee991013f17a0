"""ai_flow.settings names the pid files the server commands keep in the home directory."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from aiflow.cli.server import server_pid_file, webserver_pid_file


def test_the_pid_file_names_are_the_files_the_server_commands_use(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ai_flow.settings import AIFLOW_PID_FILENAME, AIFLOW_WEBSERVER_PID_FILENAME

    monkeypatch.setenv("AIFLOW_HOME", str(tmp_path))

    assert server_pid_file().path == tmp_path / AIFLOW_PID_FILENAME
    assert webserver_pid_file().path == tmp_path / AIFLOW_WEBSERVER_PID_FILENAME
    assert AIFLOW_PID_FILENAME != AIFLOW_WEBSERVER_PID_FILENAME


def test_importing_settings_leaves_logging_alone() -> None:
    import importlib

    import aiflow.settings

    handlers = list(logging.getLogger().handlers)
    importlib.reload(aiflow.settings)

    assert logging.getLogger().handlers == handlers
