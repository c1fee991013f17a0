"""``aiflow worker``: a worker with the configured concurrency that runs tasks."""

from __future__ import annotations

import socket
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


def test_a_worker_whose_metrics_port_is_taken_logs_it_once_and_runs_tasks(
    server_config: ServerConfig, tmp_path: Path, jobs: Jobs, bus: NotificationClient
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [sys.executable, "-c", _COMMAND, "--queues=aiflow", f"--metrics-port={port}"]
        with WorkerProcess(tmp_path / "cli.log", argv) as process:
            wait_for_status(bus, jobs.start("echo", task_execution_id=42), "SUCCESS")
            said = [line for line in process.log_file.read_text().splitlines() if "metrics endpoint" in line]

    assert said == [f"Worker: metrics endpoint 127.0.0.1:{port} not served, running without it: Address already in use"]
