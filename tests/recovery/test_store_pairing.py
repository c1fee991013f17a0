"""Real ``aiflow scheduler`` processes against a reset bus or a reset database: they refuse, until rebound.

Each store is reset the ways an operator would: the bus flushed or ``notification db reset`` under
a running scheduler, the database ``aiflow db reset`` while the scheduler is down or running.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.pairing import RECHECK_INTERVAL
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.scheduler.conftest import (
    applied_offset,
    create_execution,
    execution_row,
    send_command,
    task_rows,
    wait_for_tasks,
)
from tests.recovery.conftest import AIFLOW, SchedulerProcess
from tests.support import wait_until

NOTIFICATION = str(Path(AIFLOW).parent / "notification")
REFUSAL = "Scheduler: refusing to apply events"
#: A running scheduler looks again within the recheck interval; a process may be slow to start.
REFUSAL_BOUND_S = RECHECK_INTERVAL.total_seconds() + 10

Command = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(db: Engine, redis_url: str) -> Command:
    """Run a command line (``aiflow ...``, ``notification ...``) as an operator would, against the stores."""
    env = {**os.environ, "AIFLOW_METADATA_BACKEND_URI": str(db.url), "AIFLOW_NOTIFICATION_SERVER_URI": redis_url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    return run


def waiting_workflow(name: str) -> Workflow:
    with Workflow(name) as workflow:
        BashOperator("t", "sleep 9")  # no worker: the task stays QUEUED
    return workflow


def wait_for_refusal(scheduler: SchedulerProcess, why: str) -> None:
    """Wait for the refusal saying ``why`` (a check racing the reset may first see another symptom of it)."""
    wait_until(lambda: any(REFUSAL in line and why in line for line in scheduler.log_text().splitlines()),
               timeout=REFUSAL_BOUND_S, message=f"the scheduler to refuse: {why}")
    assert scheduler.running


def rebind(run: Command) -> str:
    rebound = run(AIFLOW, "db", "rebind-bus", "-y")
    assert rebound.returncode == 0, rebound.stderr
    return rebound.stdout


@pytest.mark.parametrize("reset", ["flushall", "notification db reset"])
def test_a_bus_reset_under_a_running_scheduler_is_refused_until_rebound(
    db: Engine, bus: NotificationClient, redis_url: str, scheduler_process: SchedulerProcess, run: Command,
    reset: str,
) -> None:
    for _ in range(2):  # a second leader, so the database's fence is past the first token a flushed bus gives
        scheduler_process.start()
        bus.send_event(Event(key="before-the-reset", value="x"))
        wait_until(lambda: applied_offset(db) == bus.latest_offset(), message="the event to be applied")
        scheduler_process.kill()
    scheduler_process.start()
    bus.send_event(Event(key="before-the-reset", value="x"))
    wait_until(lambda: applied_offset(db) == 3, message="the last old event to be applied")

    if reset == "flushall":
        bus.redis.flushall()  # the lease goes too: the scheduler leads again, and recovers first
    else:
        assert run(NOTIFICATION, "db", "reset", "-y", "-s", redis_url).returncode == 0  # the lease stays
    execution = create_execution(db, waiting_workflow("after-the-reset"))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)

    wait_for_refusal(scheduler_process, "is not the one this database was paired with")
    assert execution_row(db, execution).status == "INIT"
    assert applied_offset(db) == 3

    rebind(run)
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)

    wait_for_tasks(db, execution, lambda rows: len(rows) == 1)
    assert applied_offset(db) == 2
    assert scheduler_process.running


@pytest.mark.parametrize("scheduler_running", [False, True], ids=["while down", "while running"])
def test_a_reset_database_is_refused_until_rebound(
    db: Engine, bus: NotificationClient, scheduler_process: SchedulerProcess, run: Command,
    scheduler_running: bool,
) -> None:
    old = create_execution(db, waiting_workflow("before-the-reset"))
    scheduler_process.start()
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, old)
    wait_for_tasks(db, old, lambda rows: len(rows) == 1)
    if not scheduler_running:
        scheduler_process.kill()

    assert run(AIFLOW, "db", "reset", "-y").returncode == 0
    if scheduler_running:
        wait_for_refusal(scheduler_process, "belongs to another metadata database")
    execution = create_execution(db, waiting_workflow("after-the-reset"))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)
    if not scheduler_running:
        scheduler_process.start()

    wait_for_refusal(scheduler_process, "belongs to another metadata database")
    assert execution_row(db, execution).status == "INIT"
    assert task_rows(db, execution) == []

    declined = run(AIFLOW, "db", "rebind-bus")  # no answer to the question: nothing changes
    assert declined.returncode == 1
    assert "keys of the other database's tasks" in rebind(run)
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)

    wait_for_tasks(db, execution, lambda rows: len(rows) == 1)
    assert execution_row(db, execution).status == "RUNNING"
