"""Sending outbox jobs to Celery after the transaction that wrote them has committed.

A job is marked sent only after the broker accepted it, and then with the next
transaction the scheduler commits anyway (see :meth:`Dispatcher.take_published`),
or on its own when the log is idle. A crash before that sends it again on restart,
which is harmless because a worker claims each (task execution, try) once.

Celery builds and routes every message (``app.amqp``: what ``send_task`` calls,
without the result handle and per-call option merging it adds) and kombu's publish
batch (``Producer.batch``, kombu 5.7) sends them to Redis in pipelines of up to
:data:`PUBLISH_BATCH` commands rather than one round trip each. A pipeline that
fails raises, so its jobs (and any of the batch already delivered) stay unsent
and go again after recovery.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import datetime

from celery import Celery
from kombu.utils.uuid import uuid
from sqlalchemy.engine import Engine

from aiflow.metadata import outbox
from aiflow.metadata.outbox import OutboxJob
from aiflow.metadata.session import session_scope

logger = logging.getLogger(__name__)

#: Celery task names of the jobs, by outbox kind (docs/contracts.md §2).
JOB_NAMES = {"start": "aiflow.start_task", "stop": "aiflow.stop_task"}

#: Most broker commands kombu buffers before it sends them in one pipeline.
PUBLISH_BATCH = 500


def describe_job(kwargs: dict[str, object]) -> str:
    """Return how a job reads in Flower: ``namespace/workflow/task execution #id try n``."""
    return (f"{kwargs['namespace']}/{kwargs['workflow_name']}/{kwargs['task_name']} "
            f"execution #{kwargs['workflow_execution_id']} task #{kwargs['task_execution_id']} "
            f"try {kwargs['try_number']}")


class Dispatcher:
    """Sends outbox jobs to their queues and remembers them until they are marked sent."""

    def __init__(self, engine: Engine, sender: Celery) -> None:
        self._engine = engine
        self._sender = sender
        self._published: list[int] = []

    @property
    def has_published(self) -> bool:
        """Whether jobs were sent that are not marked sent yet."""
        return bool(self._published)

    def send(self, jobs: Sequence[OutboxJob]) -> int:
        """Send ``jobs`` (committed in the outbox) to the broker; return how many.

        A broker error propagates, and then none of them counts as sent.
        """
        if not jobs:
            return 0
        amqp = self._sender.amqp
        with self._sender.producer_or_acquire() as producer, producer.batch(PUBLISH_BATCH):
            for job in jobs:
                kwargs = json.loads(job.payload)
                name = JOB_NAMES[job.kind]
                message = amqp.create_task_message(uuid(), name, (), kwargs, argsrepr="()",
                                                   kwargsrepr=describe_job(kwargs))
                amqp.send_task_message(producer, name, message, queue=job.queue)
        self._published += [job.id for job in jobs]
        logger.debug("Scheduler: sent %s jobs", len(jobs))
        return len(jobs)

    def take_published(self) -> list[int]:
        """Return the ids of the jobs sent but not marked yet, for the caller's next transaction to mark.

        If that transaction rolls back, they stay unsent in the outbox and are sent again on recovery.
        """
        published, self._published = self._published, []
        return published

    def mark_published(self, now: datetime) -> None:
        """Mark the jobs sent but not marked yet, in a transaction of their own."""
        if self._published:
            with session_scope(self._engine) as session:
                outbox.mark_sent(session, self.take_published(), now)

    def send_unsent(self, now: datetime) -> int:
        """Send every job written but not marked sent (after a crash), and mark them; return how many."""
        self.mark_published(now)  # what this dispatcher did send does not go again
        with session_scope(self._engine) as session:
            jobs = outbox.unsent_jobs(session)
        sent = self.send(jobs)
        self.mark_published(now)
        return sent
