"""The start job: statuses reported, failures explained, redelivery harmless, the worker unharmed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from tests.integration.workers.conftest import (
    ENTRY,
    SNAPSHOT_ID,
    Jobs,
    WorkerProcess,
    queue_drained,
    statuses,
    wait_for_status,
)
from tests.integration.workers.snapshot_server import SnapshotServer
from tests.support import wait_until
from workers.logs import log_path


def test_bash_task_reports_running_then_success(worker: WorkerProcess, jobs: Jobs, bus: NotificationClient) -> None:
    job = jobs.start("echo", task_execution_id=1)

    wait_for_status(bus, job, "SUCCESS")

    reported = statuses(bus, job)
    assert [status for status, _ in reported] == ["RUNNING", "SUCCESS"]
    assert reported[0][1] == {"workflow_execution_id": 3, "task_execution_id": 1, "try_number": 1,
                              "worker": f"celery@{socket.gethostname()}"}  # the worker that claimed the try
    assert "worker" not in reported[1][1]


@pytest.mark.parametrize("task_name", ["exit3", "python_exit3"])  # bash exit 3; sys.exit(3) in a function
def test_failing_task_fails_with_its_exit_code(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, task_name: str
) -> None:
    job = jobs.start(task_name, task_execution_id=2)

    context = wait_for_status(bus, job, "FAILED")

    assert "exit code 3" in str(context["error"])


@pytest.mark.parametrize(("task_name", "error"), [
    ("crash", "exit code 7"),  # os._exit in the function of a PythonOperator
    ("suicide", "killed by SIGKILL"),  # the task process itself dies by a signal
])
def test_dying_task_fails_and_the_worker_lives_on(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, task_name: str, error: str
) -> None:
    context = wait_for_status(bus, jobs.start(task_name, task_execution_id=4), "FAILED")

    assert error in str(context["error"])
    assert worker.alive()
    wait_for_status(bus, jobs.start("echo", task_execution_id=5), "SUCCESS")


def test_task_runs_in_its_package(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, server_config: ServerConfig
) -> None:
    """The package's modules import and its files are read from the working folder."""
    job = jobs.start("greet", task_execution_id=6)

    wait_for_status(bus, job, "SUCCESS")

    assert "greeting world" in log_path(Path(server_config.log_dir), job).read_text()


def test_tasks_of_an_execution_share_its_folder_where_the_workflow_file_runs(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, server_config: ServerConfig
) -> None:
    """``__file__`` is the worker's copy of the workflow file, as the tutorial's paths expect."""
    wait_for_status(bus, jobs.start("leave_note", task_execution_id=12), "SUCCESS")
    reader = jobs.start("read_note", task_execution_id=13)

    wait_for_status(bus, reader, "SUCCESS")

    workflow_file = Path(server_config.worker_work_dir, "runs", str(reader.workflow_execution_id), ENTRY)
    assert f"note from {workflow_file}" in log_path(Path(server_config.log_dir), reader).read_text()


def test_same_message_delivered_twice_runs_once(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, redis_url: str, server_config: ServerConfig
) -> None:
    first = jobs.start("echo", task_execution_id=8)
    jobs.send_start(first)

    wait_for_status(bus, first, "SUCCESS")
    wait_until(lambda: queue_drained(redis_url), message="both deliveries to be handled")

    assert [status for status, _ in statuses(bus, first)] == ["RUNNING", "SUCCESS"]
    log = log_path(Path(server_config.log_dir), first).read_text()
    assert log.count("hello from bash") == 1
    assert "already claimed" in worker.log_file.read_text()


def test_package_with_a_wrong_hash_fails_the_task(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, snapshot_server: SnapshotServer
) -> None:
    snapshot = snapshot_server.snapshots[SNAPSHOT_ID]
    snapshot_server.add(SNAPSHOT_ID, snapshot.package, snapshot.entry, content_hash="0" * 64)

    context = wait_for_status(bus, jobs.start("echo", task_execution_id=9), "FAILED")

    assert "does not match its hash" in str(context["error"])
