"""The scheduler's periodic duties. Each publishes events into the log and changes no state itself.

* :class:`ScheduleTicker`: a workflow schedule is due -> :class:`ScheduleTick`.
* :class:`PeriodicTicker`: a periodic task of a running execution is due -> :class:`PeriodicTick`.
* :class:`RetryTimer`: a RETRYING try's delay has passed -> :class:`RetryDue`.
* :class:`~aiflow.scheduler.heartbeat_watch.HeartbeatWatch` and the housekeeping in
  :mod:`aiflow.scheduler.housekeeping`.

Published events carry a request id derived from what they identify, so a chore
that runs twice before its first event is applied stores one event. What one
schedule or execution brings that cannot be evaluated is published as a fault
(:class:`ScheduleFault`, :class:`ExecutionFault`), which takes it out of play,
and the chore goes on with the others.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from aiflow.metadata.queries import timers
from aiflow.metadata.session import session_scope
from aiflow.model.periodic import PeriodicExpression
from aiflow.model.status import TaskStatus
from aiflow.plan import PlanError
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.timer_events import (
    ExecutionFault,
    PeriodicTick,
    RetryDue,
    ScheduleFault,
    ScheduleTick,
    TimerEvent,
    to_event,
)
from notification.client import NotificationClient

logger = logging.getLogger(__name__)


class IntervalChore(ABC):
    """Runs :meth:`run` at most once per ``interval``."""

    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta) -> None:
        self._engine = engine
        self._bus = bus
        self._interval = interval
        self._next: datetime | None = None

    def run_if_due(self, now: datetime) -> None:
        if self._next is not None and now < self._next:
            return
        self._next = now + self._interval
        self.run(now)

    @abstractmethod
    def run(self, now: datetime) -> None:
        """Look at the database and publish what is due at ``now``."""

    def publish(self, timer: TimerEvent, namespace: str) -> None:
        self._bus.send_event(to_event(timer, namespace), request_id=timer.request_id)


class ScheduleTicker(IntervalChore):
    def run(self, now: datetime) -> None:
        with session_scope(self._engine) as session:
            schedules = timers.active_schedules(session)
        for schedule in schedules:
            try:
                due = PeriodicExpression.parse(schedule.expression).latest_due(schedule.last_due, now)
            except Exception as exc:  # one schedule that cannot be evaluated must not stop the others
                self.publish(ScheduleFault(schedule.id, schedule.expression, f"{type(exc).__name__}: {exc}"),
                             schedule.namespace)
                continue
            if due is not None:
                self.publish(ScheduleTick(schedule.id, due), schedule.namespace)


class PeriodicTicker(IntervalChore):
    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, plans: PlanCache) -> None:
        super().__init__(engine, bus, interval)
        self._plans = plans

    def run(self, now: datetime) -> None:
        due: list[tuple[TimerEvent, str]] = []
        with session_scope(self._engine) as session:
            for execution, namespace in timers.running_executions(session):
                try:
                    plan = self._plans.plan(session, execution.snapshot_id)
                except PlanError:
                    continue  # the execution is failed by the applier the next time it is touched
                if not plan.has_periodic_task:
                    continue
                last_due = timers.periodic_last_due(session, execution.id)
                for name, task in plan.tasks.items():
                    start = last_due.get(name) or execution.begin_date
                    if task.periodic is None or start is None:
                        continue
                    try:
                        tick = task.periodic.latest_due(start, now)
                    except Exception as exc:  # fails this execution only
                        due.append((ExecutionFault(execution.id, f"periodic task {name!r}: {exc!r}"), namespace))
                        break
                    if tick is not None:
                        due.append((PeriodicTick(execution.id, name, tick), namespace))
        for timer, namespace in due:
            self.publish(timer, namespace)


class RetryTimer(IntervalChore):
    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, plans: PlanCache) -> None:
        super().__init__(engine, bus, interval)
        self._plans = plans

    def run(self, now: datetime) -> None:
        due: list[tuple[TimerEvent, str]] = []
        with session_scope(self._engine) as session:
            for attempt in timers.tries_in_status(session, [TaskStatus.RETRYING]):
                try:
                    delay = self._plans.plan(session, attempt.snapshot_id).tasks[attempt.task_name].retry_delay
                except (PlanError, KeyError) as exc:
                    due.append((ExecutionFault(attempt.workflow_execution_id, f"a retry cannot be planned: {exc}"),
                                attempt.namespace))
                    continue
                if attempt.since is None or attempt.since + delay <= now:
                    due.append((RetryDue(attempt.workflow_execution_id, attempt.task_name,
                                         attempt.task_execution_id, attempt.try_number), attempt.namespace))
        for timer, namespace in due:
            self.publish(timer, namespace)
