"""A hot standby scheduler takes over when the leader is killed."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

from sqlalchemy.engine import Engine

from aiflow.commands import CommandKind
from aiflow.model.action import TaskAction
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.scheduler.conftest import create_execution, send_command, wait_for_tasks
from tests.recovery.conftest import LEASE_PERIOD_S, SchedulerProcess
from tests.support import wait_until

#: What the lease promises (two periods), plus a process's start-up and one apply on this machine.
TAKEOVER_BOUND_S = 2 * LEASE_PERIOD_S + 3.0


def test_the_standby_applies_the_next_event_after_the_leader_is_killed(
    db: Engine, bus: NotificationClient, spawn_scheduler: Callable[[], SchedulerProcess]
) -> None:
    leader, standby = spawn_scheduler(), spawn_scheduler()
    with Workflow("handover") as workflow:
        BashOperator("t", "sleep 9")
    first = create_execution(db, workflow)
    leader.start()
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, first)
    wait_for_tasks(db, first, lambda rows: len(rows) == 1)
    standby.start()

    leader.kill()
    killed_at = time.monotonic()
    send_command(bus, CommandKind.STOP_WORKFLOW_EXECUTION, first)
    wait_for_tasks(db, first, lambda rows: rows[0].status == "STOPPED")

    assert time.monotonic() - killed_at < TAKEOVER_BOUND_S
    assert standby.running


def test_a_paused_former_leader_cannot_write_after_the_standby_took_over(
    db: Engine, bus: NotificationClient, spawn_scheduler: Callable[[], SchedulerProcess]
) -> None:
    leader, standby = spawn_scheduler(), spawn_scheduler()
    with Workflow("paused") as workflow:
        BashOperator("t", "sleep 9").action_on_event_received(TaskAction.RESTART, "again")
    execution = create_execution(db, workflow)
    leader.start()
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)
    wait_for_tasks(db, execution, lambda rows: len(rows) == 1)
    standby.start()
    assert leader.process is not None

    leader.process.send_signal(signal.SIGSTOP)  # the leader freezes past its lease
    try:
        bus.send_event(Event(key="again"))
        wait_for_tasks(db, execution, lambda rows: len(rows) == 2)  # applied by the standby
    finally:
        leader.process.send_signal(signal.SIGCONT)
    wait_until(lambda: "lost the lease" in leader.log_text(), timeout=10, message="the old leader to step down")
    bus.send_event(Event(key="again"))

    rows = wait_for_tasks(db, execution, lambda rows: len(rows) == 3)
    assert [r.sequence_number for r in rows] == [1, 2, 3]
