"""The scheduler's periodic duties. Each publishes events into the log and changes no state itself.

* :class:`ScheduleTicker`: a workflow schedule is due -> :class:`ScheduleTick`.
* :class:`PeriodicTicker`: a periodic task of a running execution is due -> :class:`PeriodicTick`.
* :class:`RetryTimer`: a RETRYING try's delay has passed -> :class:`RetryDue`.
* :class:`HeartbeatWatch`: a RUNNING try's heartbeat expired -> a FAILED task status report.

Published events carry a request id derived from what they identify, so a chore
that runs twice before its first event is applied stores one event.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from aiflow.metadata.execution_views import SnapshotCache
from aiflow.metadata.queries import timers
from aiflow.metadata.session import session_scope
from aiflow.model.periodic import PeriodicExpression
from aiflow.model.status import TaskStatus
from aiflow.scheduler.timer_events import SCHEDULER_SENDER, PeriodicTick, RetryDue, ScheduleTick, to_event
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.keys import TaskKeys

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


class ScheduleTicker(IntervalChore):
    def run(self, now: datetime) -> None:
        with session_scope(self._engine) as session:
            schedules = timers.active_schedules(session)
        for schedule in schedules:
            due = PeriodicExpression.parse(schedule.expression).latest_due(schedule.last_due, now)
            if due is not None:
                tick = ScheduleTick(schedule.id, due)
                self._bus.send_event(to_event(tick, schedule.namespace), request_id=tick.request_id)


class PeriodicTicker(IntervalChore):
    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, snapshots: SnapshotCache) -> None:
        super().__init__(engine, bus, interval)
        self._snapshots = snapshots

    def run(self, now: datetime) -> None:
        ticks = []
        with session_scope(self._engine) as session:
            for execution, namespace in timers.running_executions(session):
                workflow = self._snapshots.workflow(session, execution.snapshot_id)
                last_due = timers.periodic_last_due(session, execution.id)
                for name, task in workflow.tasks.items():
                    start = last_due.get(name) or execution.begin_date
                    if task.periodic_expression is None or start is None:
                        continue
                    due = task.periodic_expression.latest_due(start, now)
                    if due is not None:
                        ticks.append((PeriodicTick(execution.id, name, due), namespace))
        for tick, namespace in ticks:
            self._bus.send_event(to_event(tick, namespace), request_id=tick.request_id)


class RetryTimer(IntervalChore):
    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, snapshots: SnapshotCache) -> None:
        super().__init__(engine, bus, interval)
        self._snapshots = snapshots

    def run(self, now: datetime) -> None:
        due = []
        with session_scope(self._engine) as session:
            for attempt in timers.tries_in_status(session, TaskStatus.RETRYING):
                delay = self._snapshots.workflow(session, attempt.snapshot_id).tasks[attempt.task_name].retry_delay
                if attempt.since is None or attempt.since + delay <= now:
                    due.append(attempt)
        for attempt in due:
            retry = RetryDue(attempt.workflow_execution_id, attempt.task_name, attempt.task_execution_id,
                             attempt.try_number)
            self._bus.send_event(to_event(retry, attempt.namespace), request_id=retry.request_id)


class HeartbeatWatch(IntervalChore):
    """Fails RUNNING tries whose worker stopped sending heartbeats for ``timeout``."""

    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, timeout: timedelta,
                 keys: TaskKeys) -> None:
        super().__init__(engine, bus, interval)
        self._timeout = timeout
        self._keys = keys

    def run(self, now: datetime) -> None:
        with session_scope(self._engine) as session:
            running = timers.tries_in_status(session, TaskStatus.RUNNING)
        old_enough = [t for t in running if t.since is None or t.since + self._timeout <= now]
        if not old_enough:
            return
        pipe = self._bus.redis.pipeline(transaction=False)
        for attempt in old_enough:
            pipe.exists(self._keys.heartbeat(attempt.task_execution_id, attempt.try_number))
        for attempt, alive in zip(old_enough, pipe.execute(), strict=True):
            if not alive:
                self._report_dead(attempt)

    def _report_dead(self, attempt: timers.TaskTry) -> None:
        error = f"no heartbeat for {int(self._timeout.total_seconds())}s: the worker running it is gone"
        report = TaskStatusReport(attempt.namespace, attempt.workflow_execution_id, attempt.task_name,
                                  attempt.task_execution_id, attempt.try_number, TaskStatus.FAILED, error)
        logger.warning("Scheduler: task execution %s try %s %s", attempt.task_execution_id, attempt.try_number, error)
        request_id = f"heartbeat:{attempt.task_execution_id}:{attempt.try_number}"
        self._bus.send_event(report.to_event(SCHEDULER_SENDER), request_id=request_id)


