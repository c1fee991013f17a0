"""Finding tries whose worker is gone, in every phase, and reporting them FAILED (lost).

A worker holds a try's heartbeat key from the moment it claims the try (claim and first beat
are one atomic step) until after it has reported the try's final status (docs/contracts.md §3).
So a missing heartbeat means:

* for a RUNNING or STOPPING try: its worker is gone (or cut off);
* for a QUEUED try: lost too if a worker has claimed it to run (claim ``run ...``); a try whose
  job no worker has taken yet has no claim and stays visibly QUEUED;
* a try that ended SUCCESS had its final report in the log before its heartbeat went away, so
  a lost report sent after it is stale and changes nothing.

The report says ``lost``, so the scheduler also sends a stop job for the try: a worker that was
only cut off ends it rather than running it beside its retry. Right after an outage of Redis (as
the scheduler saw it) nothing is judged for one heartbeat time-out, so that workers can beat again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from aiflow.backoff import Outage
from aiflow.metadata.queries import timers
from aiflow.metadata.session import session_scope
from aiflow.model.status import TaskStatus
from aiflow.scheduler.chores import IntervalChore
from aiflow.scheduler.timer_events import SCHEDULER_SENDER
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_control import RUN_CLAIM_PREFIX

logger = logging.getLogger(__name__)

WATCHED = (TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.STOPPING)


class HeartbeatWatch(IntervalChore):
    """Reports FAILED (lost) the tries whose worker stopped sending heartbeats for ``timeout``."""

    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, timeout: timedelta,
                 keys: TaskKeys, outage: Outage) -> None:
        super().__init__(engine, bus, interval)
        self._timeout = timeout
        self._keys = keys
        self._outage = outage

    def run(self, now: datetime) -> None:
        if self._outage.quiet_for() < self._timeout.total_seconds():
            return  # workers may not have been able to beat yet
        with session_scope(self._engine) as session:
            tries = timers.tries_in_status(session, WATCHED, running_executions_only=False)
        judged = [t for t in tries if t.status == TaskStatus.QUEUED or not t.since or t.since + self._timeout <= now]
        if not judged:
            return
        pipe = self._bus.redis.pipeline(transaction=False)
        for attempt in judged:
            pipe.exists(self._keys.heartbeat(attempt.task_execution_id, attempt.try_number))
            pipe.get(self._keys.claim(attempt.task_execution_id, attempt.try_number))
        replies = pipe.execute()
        for attempt, beating, claim in zip(judged, replies[::2], replies[1::2], strict=True):
            claimed_to_run = (claim or b"").startswith(RUN_CLAIM_PREFIX.encode())
            if not beating and (attempt.status != TaskStatus.QUEUED or claimed_to_run):
                self._report_lost(attempt)

    def _report_lost(self, attempt: timers.TaskTry) -> None:
        error = (f"no heartbeat for {int(self._timeout.total_seconds())}s while {attempt.status.value}: "
                 "the worker running it is gone")
        report = TaskStatusReport(attempt.namespace, attempt.workflow_execution_id, attempt.task_name,
                                  attempt.task_execution_id, attempt.try_number, TaskStatus.FAILED, error, lost=True)
        logger.warning("Scheduler: task execution %s try %s %s", attempt.task_execution_id, attempt.try_number, error)
        request_id = f"heartbeat:{attempt.task_execution_id}:{attempt.try_number}"
        self._bus.send_event(report.to_event(SCHEDULER_SENDER), request_id=request_id)
