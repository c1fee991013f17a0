"""Sending outbox jobs to Celery after the transaction that wrote them has committed.

A job is marked sent only after Celery accepted it; a crash in between sends
it again on restart, which is harmless because a worker claims each
(task execution, try) once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope

logger = logging.getLogger(__name__)

#: Celery task names of the jobs, by outbox kind (docs/contracts.md §2).
JOB_NAMES = {"start": "aiflow.start_task", "stop": "aiflow.stop_task"}


class JobSender(Protocol):
    """What the dispatcher needs of a Celery app."""

    def send_task(self, name: str, args: Sequence[object] | None = ..., kwargs: dict[str, object] | None = ...,
                  **options: object) -> object: ...


class Dispatcher:
    """Sends outbox rows to their queues and marks them sent."""

    def __init__(self, engine: Engine, sender: JobSender) -> None:
        self._engine = engine
        self._sender = sender

    def send(self, job_ids: Sequence[int], now: datetime) -> int:
        """Send the unsent jobs among ``job_ids``; return how many were sent."""
        if not job_ids:
            return 0
        return self._send_where(JobOutbox.id.in_(job_ids), now)

    def send_unsent(self, now: datetime) -> int:
        """Send every job written but not yet sent (after a crash); return how many."""
        return self._send_where(JobOutbox.sent_time.is_(None), now)

    def _send_where(self, condition: ColumnElement[bool], now: datetime) -> int:
        with session_scope(self._engine) as session:
            jobs = list(session.scalars(
                select(JobOutbox).where(condition, JobOutbox.sent_time.is_(None)).order_by(JobOutbox.id)
            ))
        for job in jobs:
            self._sender.send_task(JOB_NAMES[job.kind], kwargs=json.loads(job.payload), queue=job.queue)
        if jobs:
            with session_scope(self._engine) as session:
                session.execute(update(JobOutbox).where(JobOutbox.id.in_([j.id for j in jobs])).values(sent_time=now))
            logger.debug("Scheduler: sent %s jobs", len(jobs))
        return len(jobs)
