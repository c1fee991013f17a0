"""The scheduler on real Redis and a real database: commands and worker reports drive executions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import TaskKeys
from notification.task_control import TaskControl, run_claim
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    applied_offset,
    broker_jobs,
    create_execution,
    execution_row,
    report,
    send_command,
    task_rows,
    wait_for_tasks,
)
from tests.support import wait_until

S, R = TaskStatus.SUCCESS, TaskStatus.RUNNING


def quickstart() -> Workflow:
    with Workflow("quickstart") as workflow:
        t1, t2 = BashOperator("t1", "echo 1"), BashOperator("t2", "echo 2")
        t3, t4 = BashOperator("t3", "echo 3"), BashOperator("t4", "echo 4", queue="special")
        t3.start_after([t1, t2])
        t4.action_on_event_received(TaskAction.START, "key")
    return workflow


def finish(bus: NotificationClient, db: Engine, execution_id: int, name: str) -> None:
    row = next(r for r in task_rows(db, execution_id) if r.task_name == name)
    report(bus, row, R)
    report(bus, row, S)


def test_a_quickstart_shaped_execution_runs_to_success(
    db: Engine, bus: NotificationClient, redis_url: str, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, quickstart())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)

    started = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 2)
    assert [(r.task_name, r.status) for r in started] == [("t1", "QUEUED"), ("t2", "QUEUED")]
    jobs = wait_until(lambda: len(broker_jobs(redis_url)) == 2 and broker_jobs(redis_url))
    assert [(j["task"], j["task_name"], j["try_number"]) for j in jobs] == [
        ("aiflow.start_task", "t1", 1), ("aiflow.start_task", "t2", 1)]
    assert jobs[0]["workflow_name"] == "quickstart" and jobs[0]["snapshot_id"]

    finish(bus, db, execution_id, "t1")
    finish(bus, db, execution_id, "t2")
    wait_for_tasks(db, execution_id, lambda rows: any(r.task_name == "t3" for r in rows))
    finish(bus, db, execution_id, "t3")
    bus.send_event(Event(key="key", value="go"))
    wait_until(lambda: len(broker_jobs(redis_url, "special")) == 1)
    finish(bus, db, execution_id, "t4")

    wait_until(lambda: execution_row(db, execution_id).status == WorkflowStatus.SUCCESS.value)
    assert sorted((r.task_name, r.status) for r in task_rows(db, execution_id)) == [
        ("t1", "SUCCESS"), ("t2", "SUCCESS"), ("t3", "SUCCESS"), ("t4", "SUCCESS")]


def test_task_dates_are_the_times_of_the_reports_on_the_bus(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    """So a replayed report writes the same dates, and two reports applied together keep their order."""
    execution_id = create_execution(db, quickstart())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 2)[0]

    running, succeeded = report(bus, row, R), report(bus, row, S)

    done = wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "SUCCESS")[0]
    assert (done.begin_date, done.end_date) == (bus_time(running), bus_time(succeeded))


def bus_time(event: Event) -> datetime:
    assert event.create_time is not None
    return datetime.fromtimestamp(event.create_time / 1000, UTC)


def test_events_of_another_namespace_or_execution_change_nothing(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, quickstart())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    wait_for_tasks(db, execution_id, lambda rows: len(rows) == 2)

    bus.send_event(Event(key="key", namespace="elsewhere"))
    bus.send_event(Event(key="key", context='{"workflow_execution_id": 999}'))
    bus.send_event(Event(key="marker"))
    marker = bus.latest_offset()
    wait_until(lambda: applied_offset(db) >= marker)

    assert [r.task_name for r in task_rows(db, execution_id)] == ["t1", "t2"]


def test_stop_ends_live_tasks_then_the_execution(
    db: Engine, bus: NotificationClient, redis_url: str, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, quickstart())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    rows = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 2)
    assert TaskControl(bus.redis).claim_to_run(rows[0].id, 1, run_claim("test-worker"), "test-worker", 60)
    report(bus, rows[0], R)
    wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "RUNNING")

    send_command(bus, CommandKind.STOP_WORKFLOW_EXECUTION, execution_id)

    rows = wait_for_tasks(db, execution_id, lambda rows: [r.status for r in rows] == ["STOPPING", "STOPPED"])
    assert execution_row(db, execution_id).status == WorkflowStatus.RUNNING.value
    # the stops are carried out on Redis just after the commit that the rows show: the running try's
    # worker is asked to stop it, the queued try is claimed "stopped" so that no worker starts it
    wait_until(lambda: bus.redis.exists(TaskKeys().stop(rows[0].id, 1)))
    assert bus.redis.get(TaskKeys().claim(rows[1].id, 1)) == b"stopped"
    assert {j["task"] for j in broker_jobs(redis_url)} == {"aiflow.start_task"}
    report(bus, rows[0], TaskStatus.STOPPED)
    wait_until(lambda: execution_row(db, execution_id).status == WorkflowStatus.STOPPED.value)


def test_a_restarted_scheduler_resumes_without_repeating_anything(
    db: Engine, bus: NotificationClient, redis_url: str, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, quickstart())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    wait_for_tasks(db, execution_id, lambda rows: len(rows) == 2)
    scheduler.stop()
    finish(bus, db, execution_id, "t1")
    finish(bus, db, execution_id, "t2")

    scheduler.start()

    wait_for_tasks(db, execution_id, lambda rows: len(rows) == 3)
    bus.send_event(Event(key="marker"))
    marker = bus.latest_offset()
    wait_until(lambda: applied_offset(db) >= marker)
    scheduler.stop()
    scheduler.start()
    bus.send_event(Event(key="marker2"))
    marker = bus.latest_offset()
    wait_until(lambda: applied_offset(db) >= marker)
    assert [r.task_name for r in task_rows(db, execution_id)] == ["t1", "t2", "t3"]
    with session_scope(db) as session:
        assert session.scalar(select(func.count()).select_from(JobOutbox).where(JobOutbox.sent_time.is_(None))) == 0
    assert [j["task_name"] for j in broker_jobs(redis_url)] == ["t1", "t2", "t3"]
