"""Stops and time-outs: the try ends, its processes are gone, and it is reported once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from tests.integration.workers.conftest import (
    Jobs,
    WorkerProcess,
    queue_drained,
    sleeping_processes,
    statuses,
    wait_for_status,
)
from tests.support import wait_until
from workers.logs import log_path


@pytest.mark.parametrize("task_name", [
    "sleeper",  # a BashOperator running sleep
    "stubborn",  # a BashOperator ignoring SIGTERM: killed after its stop_grace_period (0.5 s)
    "looper",  # a PythonOperator looping in the task process, with a sleep it started
])
def test_stop_ends_a_running_task_and_its_processes(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, redis_url: str, task_name: str
) -> None:
    job = jobs.start(task_name, task_execution_id=11)
    wait_for_status(bus, job, "RUNNING")
    wait_until(sleeping_processes, message="the task's sleep to run")

    asked = time.monotonic()
    jobs.stop(job)
    wait_for_status(bus, job, "STOPPED")

    assert time.monotonic() - asked < 2
    wait_until(lambda: not sleeping_processes(), timeout=2, message="the sleep to be gone")
    jobs.stop(job)  # a second stop of an ended try reports nothing
    assert [status for status, _ in statuses(bus, job)] == ["RUNNING", "STOPPED"]


def test_task_stopped_while_queued_never_starts(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, redis_url: str, server_config: ServerConfig
) -> None:
    job = Jobs.try_of("echo", task_execution_id=13)
    jobs.stop(job)
    wait_for_status(bus, job, "STOPPED")

    jobs.send_start(job)
    wait_until(lambda: queue_drained(redis_url), message="the start job to be handled")

    assert [status for status, _ in statuses(bus, job)] == ["STOPPED"]
    assert not log_path(Path(server_config.log_dir), job).exists()


def test_timeout_fails_the_task_and_ends_its_processes(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient
) -> None:
    job = jobs.start("slow", task_execution_id=14)

    context = wait_for_status(bus, job, "FAILED")

    assert "timed out after 1 seconds" in str(context["error"])
    wait_until(lambda: not sleeping_processes(), timeout=2, message="the sleep to be gone")
