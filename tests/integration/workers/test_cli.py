"""``aiflow worker``: a worker with the configured concurrency that runs tasks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from tests.integration.workers.conftest import Jobs, WorkerProcess, wait_for_status

_COMMAND = "from workers.cli import worker; worker()"


def test_worker_command_runs_tasks_with_the_configured_parallelism(
    server_config: ServerConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: Jobs, bus: NotificationClient
) -> None:
    monkeypatch.setenv("AIFLOW_LOCAL_EXECUTOR_PARALLELISM", "3")
    with WorkerProcess(tmp_path / "cli.log", [sys.executable, "-c", _COMMAND, "--queues=aiflow"]) as process:
        wait_for_status(bus, jobs.start("echo", task_execution_id=41), "SUCCESS")
        assert "concurrency: 3 (thread)" in process.log_file.read_text()
