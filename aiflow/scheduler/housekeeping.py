"""Keeping the stores bounded and nothing stuck: orphaned executions, old rows, idle streams.

* :class:`StartWatch`: an execution still INIT long after it was created lost its start command
  (the API server could not publish it) -> :class:`StartMissed`, which fails it if still INIT.
* :class:`Janitor`: deletes what ``history_retention`` no longer keeps (finished executions with
  their tasks and rule state, sent outbox rows, rejected events), a bounded number per run, and
  trims the event bus's idle per-key streams.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.engine import Engine

from aiflow.metadata.definitions import Workflow
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import JobOutbox, RejectedEvent
from aiflow.metadata.session import session_scope
from aiflow.model.status import WorkflowStatus
from aiflow.scheduler.chores import IntervalChore
from aiflow.scheduler.engine.view import LIVE_TASK_STATUSES
from aiflow.scheduler.timer_events import StartMissed
from notification.client import NotificationClient

logger = logging.getLogger(__name__)

START_GRACE = timedelta(minutes=1)
"""How long after its creation an INIT execution's start command may still be on its way."""

PRUNE_BATCH = 1000
"""Most rows of each kind one janitor run deletes."""

_FINISHED = [status.value for status in WorkflowStatus if status.is_finished]
_LIVE = [status.value for status in LIVE_TASK_STATUSES]


class StartWatch(IntervalChore):
    def run(self, now: datetime) -> None:
        with session_scope(self._engine) as session:
            orphans = session.execute(
                select(WorkflowExecution.id, Workflow.namespace)
                .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
                .where(WorkflowExecution.status == WorkflowStatus.INIT.value,
                       WorkflowExecution.create_time < now - START_GRACE)
                .limit(PRUNE_BATCH)
            ).all()
        for execution_id, namespace in orphans:
            self.publish(StartMissed(execution_id), namespace)


class Janitor(IntervalChore):
    """Deletes what is older than ``retention`` and trims idle event streams."""

    def __init__(self, engine: Engine, bus: NotificationClient, interval: timedelta, retention: timedelta) -> None:
        super().__init__(engine, bus, interval)
        self._retention = retention

    def run(self, now: datetime) -> None:
        cutoff = now - self._retention
        with session_scope(self._engine) as session:
            live_task = exists().where(TaskExecution.workflow_execution_id == WorkflowExecution.id,
                                       TaskExecution.status.in_(_LIVE))
            old = list(session.scalars(
                select(WorkflowExecution.id)
                .where(WorkflowExecution.status.in_(_FINISHED), WorkflowExecution.end_date < cutoff, ~live_task)
                .limit(PRUNE_BATCH)))
            if old:
                session.execute(delete(WorkflowExecution).where(WorkflowExecution.id.in_(old)))
            outbox = list(session.scalars(select(JobOutbox.id).where(JobOutbox.sent_time < cutoff).limit(PRUNE_BATCH)))
            if outbox:
                session.execute(delete(JobOutbox).where(JobOutbox.id.in_(outbox)))
            rejected = list(session.scalars(
                select(RejectedEvent.event_offset).where(RejectedEvent.create_time < cutoff).limit(PRUNE_BATCH)))
            if rejected:
                session.execute(delete(RejectedEvent).where(RejectedEvent.event_offset.in_(rejected)))
        dropped = self._bus.trim_history()
        if old or outbox or rejected or dropped:
            logger.info("Scheduler: pruned %s executions, %s outbox rows, %s rejected events, %s idle streams",
                        len(old), len(outbox), len(rejected), dropped)
