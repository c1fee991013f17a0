"""Time-driven behaviour: heartbeat time-outs, retries, workflow schedules and periodic tasks."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    add_schedule,
    create_execution,
    execution_row,
    executions_of_workflow_of,
    report,
    send_command,
    wait_for_tasks,
)
from tests.support import wait_until


def single(name: str = "single", **options: object) -> Workflow:
    with Workflow(name) as workflow:
        BashOperator("t", "sleep 1", **options)
    return workflow


def test_a_running_task_without_heartbeats_fails(db: Engine, bus: NotificationClient,
                                                 scheduler: RunningScheduler) -> None:
    execution_id = create_execution(db, single())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)[0]
    report(bus, row, TaskStatus.RUNNING)  # and never a heartbeat, as if the worker died

    failed = wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "FAILED")[0]

    assert "no heartbeat for 2s" in (failed.error or "")
    wait_until(lambda: execution_row(db, execution_id).status == WorkflowStatus.FAILED.value)


def test_a_task_with_live_heartbeats_keeps_running(db: Engine, bus: NotificationClient,
                                                   scheduler: RunningScheduler) -> None:
    execution_id = create_execution(db, single())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)[0]
    key = TaskKeys().heartbeat(row.id, row.try_number)
    bus.redis.set(key, 1, ex=2)
    report(bus, row, TaskStatus.RUNNING)

    def beats_while_checked() -> bool:  # the worker's part: renew the heartbeat
        bus.redis.set(key, 1, ex=2)
        return execution_row(db, execution_id).status != WorkflowStatus.RUNNING.value

    assert not _within(3.5, beats_while_checked)
    assert wait_for_tasks(db, execution_id, lambda rows: True)[0].status == "RUNNING"


def test_a_failed_try_is_retried_after_its_delay_with_the_next_try_number(
    db: Engine, bus: NotificationClient, redis_url: str, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, single(retries=1, retry_delay=1))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)[0]
    report(bus, row, TaskStatus.RUNNING)
    report(bus, row, TaskStatus.FAILED, error="exit code 1")

    wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "RETRYING")
    retried = wait_for_tasks(db, execution_id, lambda rows: rows[0].try_number == 2)[0]
    assert retried.status == "QUEUED"
    report(bus, retried, TaskStatus.RUNNING)
    report(bus, retried, TaskStatus.SUCCESS)
    wait_until(lambda: execution_row(db, execution_id).status == WorkflowStatus.SUCCESS.value)


def test_a_schedule_fires_repeatedly_and_a_paused_one_never(db: Engine, bus: NotificationClient,
                                                            scheduler: RunningScheduler) -> None:
    first = create_execution(db, single())
    add_schedule(db, first, "interval@0 0 0 1")
    paused = create_execution(db, single("paused"))
    add_schedule(db, paused, "interval@0 0 0 1", paused=True)

    wait_until(lambda: len(_periodic(db, first)) >= 2, timeout=10)

    assert len(_periodic(db, paused)) == 0
    assert all(e.status == WorkflowStatus.RUNNING.value for e in _periodic(db, first))


def test_a_periodic_task_restarts_on_each_firing(db: Engine, bus: NotificationClient,
                                                 scheduler: RunningScheduler) -> None:
    execution_id = create_execution(db, single(periodic_expression="interval@0 0 0 1"))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)

    rows = wait_for_tasks(db, execution_id, lambda rows: len(rows) >= 3)

    assert [r.sequence_number for r in rows[:3]] == [1, 2, 3]
    assert execution_row(db, execution_id).status == WorkflowStatus.RUNNING.value


def _periodic(db: Engine, execution_id: int) -> list:  # type: ignore[type-arg]
    return [e for e in executions_of_workflow_of(db, execution_id) if e.execution_type == ExecutionType.PERIODIC.value]


def _within(seconds: float, condition) -> bool:  # type: ignore[no-untyped-def]
    """Return whether ``condition`` became true within ``seconds`` (polling it)."""
    try:
        wait_until(condition, timeout=seconds, interval=0.2)
    except AssertionError:
        return False
    return True
