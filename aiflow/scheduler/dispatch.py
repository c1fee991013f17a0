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

from celery import Celery
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope

logger = logging.getLogger(__name__)

#: Celery task names of the jobs, by outbox kind (docs/contracts.md §2).
JOB_NAMES = {"start": "aiflow.start_task", "stop": "aiflow.stop_task"}


def describe_job(kwargs: dict[str, object]) -> str:
    """Return how a job reads in Flower: ``namespace/workflow/task execution #id try n``."""
    return (f"{kwargs['namespace']}/{kwargs['workflow_name']}/{kwargs['task_name']} "
            f"execution #{kwargs['workflow_execution_id']} task #{kwargs['task_execution_id']} "
            f"try {kwargs['try_number']}")


class Dispatcher:
    """Sends outbox rows to their queues and marks them sent."""

    def __init__(self, engine: Engine, sender: Celery) -> None:
        self._engine = engine
        self._sender = sender

    def send(self, jobs: Sequence[JobOutbox], now: datetime) -> int:
        """Send ``jobs`` (just committed by the applier) and mark them sent; return how many."""
        with self._sender.producer_or_acquire() as producer:  # one connection for the whole batch
            for job in jobs:
                kwargs = json.loads(job.payload)
                self._sender.send_task(JOB_NAMES[job.kind], kwargs=kwargs, queue=job.queue, producer=producer,
                                       argsrepr="()", kwargsrepr=describe_job(kwargs))
        if jobs:
            with session_scope(self._engine) as session:
                session.execute(update(JobOutbox).where(JobOutbox.id.in_([j.id for j in jobs])).values(sent_time=now))
            logger.debug("Scheduler: sent %s jobs", len(jobs))
        return len(jobs)

    def send_unsent(self, now: datetime) -> int:
        """Send every job written but not yet sent (after a crash); return how many."""
        with session_scope(self._engine) as session:
            jobs = list(session.scalars(
                select(JobOutbox).where(JobOutbox.sent_time.is_(None)).order_by(JobOutbox.id)))
        return self.send(jobs, now)
