"""Workflow triggers, and one active scheduler at a time (lease, standby, fencing)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.config.server import ServerConfig
from aiflow.metadata import checkpoint
from aiflow.metadata.session import session_scope
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.execution_type import ExecutionType
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.lease import SchedulerLease
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    add_trigger,
    applied_offset,
    create_execution,
    executions_of_workflow_of,
    send_command,
    wait_for_tasks,
)
from tests.support import wait_until


class EveryThird(Condition):
    """Met on every third event; counts in durable per-workflow state."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor("count"))
        assert isinstance(state, ValueState)
        state.update((state.value() or 0) + 1)
        return bool(state.value() % 3 == 0)


def workflow(name: str) -> Workflow:
    with Workflow(name) as declared:
        BashOperator("t", "echo")
    return declared


def test_an_event_sent_by_a_task_of_one_workflow_starts_another(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    first = create_execution(db, workflow("first"))
    second = create_execution(db, workflow("second"))
    add_trigger(db, bus, second, WorkflowRule(SingleEventCondition("go")))
    bus.send_event(Event(key="go", context=f'{{"workflow_execution_id": {first}}}'))

    started = wait_until(lambda: [e for e in executions_of_workflow_of(db, second)
                                  if e.execution_type == ExecutionType.EVENT.value])
    assert started[0].status == WorkflowStatus.RUNNING.value
    assert [r.task_name for r in wait_for_tasks(db, started[0].id, lambda rows: len(rows) == 1)] == ["t"]


def test_a_stateful_trigger_condition_counts_across_events(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    target = create_execution(db, workflow("counted"))
    add_trigger(db, bus, target, WorkflowRule(EveryThird(["n"])))
    for _ in range(7):
        bus.send_event(Event(key="n"))
    marker = bus.send_event(Event(key="marker")).offset or 0
    wait_until(lambda: applied_offset(db) >= marker)

    events = [e for e in executions_of_workflow_of(db, target) if e.execution_type == ExecutionType.EVENT.value]
    assert len(events) == 2


def test_a_standby_takes_over_within_two_lease_periods(db: Engine, bus: NotificationClient,
                                                        server_config: ServerConfig) -> None:
    leader, standby = RunningScheduler(db, bus, server_config), RunningScheduler(db, bus, server_config)
    leader.start()
    execution_id = create_execution(db, workflow("handover"))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)
    standby.start()
    try:
        leader.stop()  # the leader releases its lease; a crashed one would let it expire (3 s here)
        send_command(bus, CommandKind.STOP_WORKFLOW_EXECUTION, execution_id)
        wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "STOPPED")
    finally:
        standby.close()
        leader.close()


def test_the_lease_has_one_holder_and_passes_on_with_a_larger_token(bus: NotificationClient) -> None:
    first, second = SchedulerLease(bus.redis, period_ms=5000), SchedulerLease(bus.redis, period_ms=5000)
    first_token = first.acquire(threading.Event())
    gave_up = threading.Event()
    threading.Timer(0.5, gave_up.set).start()

    assert second.acquire(gave_up) is None  # held: the standby keeps waiting until told to stop
    first.release()
    second_token = second.acquire(threading.Event())
    second.release()

    assert first_token is not None and second_token is not None and second_token > first_token


def test_a_commit_with_an_older_fencing_token_is_refused(db: Engine) -> None:
    with session_scope(db) as session:
        checkpoint.fence(session, 5)

    with pytest.raises(checkpoint.FencedOut), session_scope(db) as session:
        checkpoint.fence(session, 4)
    with session_scope(db) as session:
        checkpoint.fence(session, 5)
