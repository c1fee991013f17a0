"""One bad thing harms only itself: sealed namespaces, rejected events, a broken row quarantined in a batch."""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from aiflow.commands import COMMAND_EVENT_KEY, CommandKind
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.scheduler_state import RejectedEvent
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.timer_events import RETRY_DUE_KEY
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    applied_offset,
    create_execution,
    execution_row,
    report,
    send_command,
    task_rows,
    wait_for_tasks,
)
from tests.support import wait_until


def restarted_on_go(name: str, namespace: str) -> Workflow:
    with Workflow(name, namespace=namespace) as workflow:
        BashOperator("t", "sleep 99").action_on_event_received(TaskAction.RESTART, "go")
    return workflow


def started(db: Engine, bus: NotificationClient, workflow: Workflow) -> int:
    execution_id = create_execution(db, workflow)
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id, namespace=workflow.namespace)
    wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)
    return execution_id


def applied(db: Engine, bus: NotificationClient) -> None:
    """Wait until everything sent so far is applied."""
    marker = bus.send_event(Event(key="marker")).offset or 0
    wait_until(lambda: applied_offset(db) >= marker, message="the scheduler to apply the marker")


def rejected(db: Engine) -> dict[int, RejectedEvent]:
    with session_scope(db) as session:
        return {row.event_offset: row for row in session.scalars(select(RejectedEvent))}


def test_nothing_sent_in_one_namespace_reaches_an_execution_of_another(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    theirs = started(db, bus, restarted_on_go("theirs", "b"))
    waiting = create_execution(db, restarted_on_go("waiting", "b"))
    (row,) = task_rows(db, theirs)
    addressed = json.dumps({"workflow_execution_id": theirs})

    bus.send_event(Event(key="go", namespace="a", context=addressed))
    report(bus, row, TaskStatus.FAILED, "forged", namespace="a")
    send_command(bus, CommandKind.STOP_WORKFLOW_EXECUTION, theirs, namespace="a")
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, waiting, namespace="a")
    send_command(bus, CommandKind.START_TASK_EXECUTION, theirs, "t", namespace="a")
    applied(db, bus)

    assert [(r.sequence_number, r.status) for r in task_rows(db, theirs)] == [(1, "QUEUED")]
    assert execution_row(db, theirs).status == WorkflowStatus.RUNNING.value
    assert execution_row(db, waiting).status == WorkflowStatus.INIT.value
    bus.send_event(Event(key="go", namespace="b", context=addressed))  # its own namespace does reach it
    wait_for_tasks(db, theirs, lambda rows: len(rows) == 2)


def test_malformed_events_are_rejected_with_why_and_the_rest_applies(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    execution = started(db, bus, restarted_on_go("w", "default"))
    bad_command = bus.send_event(Event(key=COMMAND_EVENT_KEY, value="{not json"))
    bad_timer = bus.send_event(Event(key=RETRY_DUE_KEY, value=json.dumps({"workflow_execution_id": "x"})))
    bus.send_event(Event(key="go"))
    applied(db, bus)

    found = rejected(db)
    assert set(found) == {bad_command.offset, bad_timer.offset}
    assert "malformed 'aiflow.command' event" in found[bad_command.offset or 0].error
    assert found[bad_timer.offset or 0].event_key == RETRY_DUE_KEY
    assert len(task_rows(db, execution)) == 2  # the good event after them applied


def test_a_row_that_breaks_a_batch_fails_its_execution_only(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    broken = started(db, bus, restarted_on_go("broken", "default"))
    healthy = started(db, bus, restarted_on_go("healthy", "default"))
    with session_scope(db) as session:  # a row no version of AIFlow writes
        session.execute(update(TaskExecution).where(TaskExecution.workflow_execution_id == broken)
                        .values(status="BOGUS"))

    go = bus.send_event(Event(key="go"))  # concerns both executions, in one batch
    applied(db, bus)

    assert execution_row(db, broken).status == WorkflowStatus.FAILED.value
    assert f"at offset {go.offset}" in (execution_row(db, broken).error or "")
    assert [r.status for r in task_rows(db, healthy)] == ["STOPPED", "QUEUED"]  # applied once, not twice
    assert execution_row(db, healthy).status == WorkflowStatus.RUNNING.value
    bus.send_event(Event(key="go"))
    wait_for_tasks(db, healthy, lambda rows: len(rows) == 3)
