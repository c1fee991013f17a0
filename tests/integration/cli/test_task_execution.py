"""``aiflow task-execution`` against a live server; task executions and logs are written as the
scheduler and a worker would write them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aiflow.commands import Command, CommandKind
from aiflow.model.status import TaskStatus
from aiflow.ops import task_execution_log_lines
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.cli.conftest import Aiflow, add_task_execution, sent_commands
from tests.support import wait_until
from workers.logs import LogStreams, TaskLog
from workers.payloads import StartTask


@pytest.fixture
def execution_id(uploaded: str, aiflow: Aiflow) -> int:
    """A started execution of the uploaded workflow."""
    return int(aiflow.ok("workflow-execution", "start", uploaded).split()[3])


@pytest.fixture
def task_log(log_streams: LogStreams, tmp_path: Path, execution_id: int) -> Callable[[int], TaskLog]:
    """Open the log of try 1 of a task execution, as the worker running it does."""

    def open_log(task_execution_id: int) -> TaskLog:
        job = StartTask(
            task_execution_id=task_execution_id, try_number=1, workflow_execution_id=execution_id,
            namespace="default", workflow_name="wf", task_name="hello", snapshot_id=1, sequence_number=1,
        )
        return TaskLog(log_streams, TaskKeys(), tmp_path / "logs", job)

    return open_log


def test_an_execution_without_tasks_lists_nothing(aiflow: Aiflow, execution_id: int) -> None:
    assert aiflow.ok("task-execution", "list", str(execution_id)) == "No data.\n"
    assert aiflow.records("task-execution", "list", str(execution_id)) == []


def test_start_and_stop_send_commands(aiflow: Aiflow, bus: NotificationClient, execution_id: int) -> None:
    assert aiflow.ok("task-execution", "start", str(execution_id), "hello") == (
        f"Asked to start task hello of workflow execution {execution_id}.\n"
    )
    aiflow.ok("task-execution", "stop", str(execution_id), "hello")
    assert sent_commands(bus)[-2:] == [
        Command(CommandKind.START_TASK_EXECUTION, workflow_execution_id=execution_id, task_name="hello"),
        Command(CommandKind.STOP_TASK_EXECUTION, workflow_execution_id=execution_id, task_name="hello"),
    ]


def test_logs_print_what_the_worker_wrote(
    aiflow: Aiflow, db: Engine, execution_id: int, task_log: Callable[[int], TaskLog]
) -> None:
    task_id = add_task_execution(db, execution_id, "hello", TaskStatus.RUNNING)
    log = task_log(task_id)
    log.write("first line")
    log.write("second line")
    wait_until(lambda: aiflow.ok("task-execution", "logs", str(task_id)) == "first line\nsecond line\n",
               message="the lines to reach the log stream")  # the worker sends them in the background
    log.close()
    assert aiflow.ok("task-execution", "logs", str(task_id), "-f") == "first line\nsecond line\n"
    assert aiflow.ok("task-execution", "logs", str(task_id), "--try-number", "2") == ""


def test_following_a_log_waits_for_lines_until_the_try_ends(
    live_server: str, db: Engine, execution_id: int, task_log: Callable[[int], TaskLog]
) -> None:
    task_id = add_task_execution(db, execution_id, "hello", TaskStatus.RUNNING)
    log = task_log(task_id)
    log.write("one")
    lines = task_execution_log_lines(task_id, follow=True, poll_interval=0.01)
    assert next(lines) == "one"
    log.write("two")
    assert next(lines) == "two"
    log.write("three")
    log.close()
    assert list(lines) == ["three"]


def test_unknown_ids(live_server: str, aiflow: Aiflow) -> None:
    assert aiflow.fails("task-execution", "show", "404") == "Error: task execution 404 does not exist"
    assert "does not exist" in aiflow.fails("task-execution", "logs", "404")
    assert "does not exist" in aiflow.fails("task-execution", "start", "404", "hello")
