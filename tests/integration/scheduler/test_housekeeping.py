"""Housekeeping: executions whose start command was lost are failed; old rows are pruned by retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.metadata.executions import TaskExecution, TaskTimelineStep, WorkflowExecution
from aiflow.metadata.queries.rejected_events import record_rejected_event
from aiflow.metadata.scheduler_state import JobOutbox, RejectedEvent
from aiflow.metadata.session import session_scope
from aiflow.model.status import WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.housekeeping import START_GRACE, Janitor, StartWatch
from aiflow.scheduler.timer_events import START_MISSED_KEY
from notification.client import NotificationClient
from tests.integration.scheduler.conftest import RunningScheduler, create_execution, execution_row
from tests.support import wait_until

RETENTION = timedelta(days=30)


def workflow(name: str) -> Workflow:
    with Workflow(name) as declared:
        BashOperator("t", "echo")
    return declared


def finished(db: Engine, name: str, ended_days_ago: float, live_task: bool = False) -> int:
    execution_id = create_execution(db, workflow(name))
    with session_scope(db) as session:
        row = session.get_one(WorkflowExecution, execution_id)
        row.status, row.end_date = WorkflowStatus.FAILED.value, utcnow() - timedelta(days=ended_days_ago)
        session.add(TaskExecution(workflow_execution_id=execution_id, task_name="t", sequence_number=1,
                                  execution_type="MANUAL", status="STOPPING" if live_task else "FAILED"))
        session.flush()
        task_id = session.scalars(select(TaskExecution.id).where(
            TaskExecution.workflow_execution_id == execution_id)).one()
        session.add_all([
            JobOutbox(kind="start", task_execution_id=task_id, try_number=1, queue="aiflow", payload="{}",
                      sent_time=row.end_date),
            TaskTimelineStep(task_execution_id=task_id, try_number=1, step="status", at=row.end_date),
        ])
    return execution_id


def count(db: Engine, table: type) -> int:
    with session_scope(db) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_the_janitor_deletes_only_what_retention_no_longer_keeps(db: Engine, bus: NotificationClient) -> None:
    old = finished(db, "old", ended_days_ago=31)
    recent = finished(db, "recent", ended_days_ago=29)
    still_stopping = finished(db, "stopping", ended_days_ago=31, live_task=True)
    running = create_execution(db, workflow("running"))
    with session_scope(db) as session:
        record_rejected_event(session, 1, "default", "k", "old")
        record_rejected_event(session, 2, "default", "k", "new")
        session.execute(update(RejectedEvent).where(RejectedEvent.event_offset == 1)
                        .values(create_time=utcnow() - timedelta(days=40)))

    Janitor(db, bus, timedelta(minutes=1), RETENTION).run(utcnow())

    with session_scope(db) as session:
        left = set(session.scalars(select(WorkflowExecution.id)))
        rejected = set(session.scalars(select(RejectedEvent.event_offset)))
    assert left == {recent, still_stopping, running}
    assert old not in left and rejected == {2}
    assert count(db, JobOutbox) == 1  # only the recent one's: sent 29 days ago; the others were sent 31 days ago
    assert count(db, TaskTimelineStep) == 2  # the old execution's went with it


def test_an_execution_left_init_is_failed_once_its_start_could_not_have_been_lost_in_flight(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    orphan = create_execution(db, workflow("orphan"))
    fresh = create_execution(db, workflow("fresh"))
    with session_scope(db) as session:
        session.get_one(WorkflowExecution, orphan).create_time = utcnow() - START_GRACE - timedelta(seconds=1)

    StartWatch(db, bus, timedelta(minutes=1)).run(utcnow())

    assert [event.value for event in bus.list_events(START_MISSED_KEY)] == [f'{{"workflow_execution_id": {orphan}}}']
    wait_until(lambda: execution_row(db, orphan).status == WorkflowStatus.FAILED.value)
    assert "start command never reached the scheduler" in (execution_row(db, orphan).error or "")
    assert execution_row(db, fresh).status == WorkflowStatus.INIT.value
