"""Kill -9 the scheduler at random moments and at each named crash point: nothing lost, nothing twice."""

from __future__ import annotations

import pickle
import random
import threading

import cloudpickle
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler import crash_points
from aiflow.scheduler.views import load_rule_state
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.scheduler.conftest import applied_offset, create_execution, execution_row, send_command
from tests.recovery.conftest import SchedulerProcess
from tests.support import wait_until

EXECUTIONS = 10
EVENTS = 5_000
FIRE_EVERY = 10


class EveryTenth(Condition):
    """Counts its events in durable state and is met on every tenth."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor("count"))
        assert isinstance(state, ValueState)
        state.update((state.value() or 0) + 1)
        return bool(state.value() % FIRE_EVERY == 0)


cloudpickle.register_pickle_by_value(__import__(__name__))


def counting_workflow(index: int) -> Workflow:
    with Workflow(f"chaos-{index}") as workflow:
        BashOperator("counted", "echo").action_on_condition(TaskAction.RESTART, EveryTenth(["tick"]))
    return workflow


def start_executions(db: Engine, bus: NotificationClient) -> list[int]:
    ids = [create_execution(db, counting_workflow(i)) for i in range(EXECUTIONS)]
    for execution_id in ids:
        send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    return ids


def send_ticks(bus: NotificationClient, ids: list[int]) -> int:
    last = 0
    for i in range(EVENTS):
        target = ids[i % len(ids)]
        last = bus.send_event(Event(key="tick", context=f'{{"workflow_execution_id": {target}}}')).offset or 0
    return last


@pytest.mark.timeout(180)
def test_random_kills_lose_and_repeat_nothing(db: Engine, bus: NotificationClient,
                                              scheduler_process: SchedulerProcess) -> None:
    ids = start_executions(db, bus)
    scheduler_process.start()
    done = threading.Event()
    killer = threading.Thread(target=_kill_randomly, args=(scheduler_process, done))
    killer.start()
    try:
        last = send_ticks(bus, ids)
        wait_until(lambda: scheduler_process.kills >= 10, timeout=60, message="ten kills")
    finally:
        done.set()
        killer.join()
    if not scheduler_process.running:
        scheduler_process.start()

    wait_until(lambda: applied_offset(db) >= last, timeout=60, message="every event applied")
    assert_exactly_once(db, ids)


@pytest.mark.parametrize("point", [crash_points.EVENT_READ, crash_points.STATE_COMMITTED, crash_points.OUTBOX_SENT])
def test_a_crash_at_each_named_point_is_recovered(db: Engine, bus: NotificationClient,
                                                  scheduler_process: SchedulerProcess, point: str) -> None:
    ids = start_executions(db, bus)
    send_ticks(bus, ids[:1])  # the whole log is waiting before the scheduler starts
    scheduler_process.start(crash_at=point)
    assert scheduler_process.wait() == -9

    scheduler_process.start()

    wait_until(lambda: applied_offset(db) >= bus.latest_offset(), timeout=60, message="every event applied")
    assert_exactly_once(db, ids[:1], events_per_execution=EVENTS)


def assert_exactly_once(db: Engine, ids: list[int], events_per_execution: int = EVENTS // EXECUTIONS) -> None:
    """Each execution has one initial start plus one restart per tenth event, and counted every event."""
    expected_runs = 1 + events_per_execution // FIRE_EVERY
    with session_scope(db) as session:
        for execution_id in ids:
            runs = list(session.scalars(select(TaskExecution.sequence_number)
                                        .where(TaskExecution.workflow_execution_id == execution_id)))
            assert sorted(runs) == list(range(1, expected_runs + 1)), f"execution {execution_id}"
            states = load_rule_state(session, execution_id)
            assert {name: pickle.loads(value) for name, value in states.items()} == {
                "counted/0": {"count": events_per_execution}}
        unsent = session.scalar(select(func.count()).select_from(JobOutbox).where(JobOutbox.sent_time.is_(None)))
    wait_until(lambda: _unsent(db) == 0, timeout=10, message="every job sent") if unsent else None
    for execution_id in ids:
        assert execution_row(db, execution_id).status == WorkflowStatus.RUNNING.value  # a live task holds it


def _unsent(db: Engine) -> int:
    with session_scope(db) as session:
        return session.scalar(select(func.count()).select_from(JobOutbox).where(JobOutbox.sent_time.is_(None))) or 0


def _kill_randomly(process: SchedulerProcess, done: threading.Event) -> None:
    chance = random.Random(7)
    while not done.wait(chance.uniform(0.2, 0.8)):
        process.kill()
        process.start()
