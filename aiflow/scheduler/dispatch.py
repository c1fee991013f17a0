"""Carrying out outbox jobs after the transaction that wrote them has committed.

Start jobs go to Celery, on the task's queue. Stop jobs are no Celery jobs: the
dispatcher carries them out on Redis itself (:class:`TryStopper`), so a stop reaches
a worker whose every slot is busy, whatever queue the task used.

A job is marked sent only after the broker (or Redis) took it, and then with the next
transaction the scheduler commits anyway (see :meth:`Dispatcher.take_published`),
or on its own when the log is idle. A crash before that sends it again on restart,
which is harmless because a worker claims each (task execution, try) once, and a
stop done again reports the same thing under the same request id.

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
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from celery import Celery
from kombu.utils.uuid import uuid
from sqlalchemy.engine import Engine

from aiflow.metadata import outbox
from aiflow.metadata.outbox import OutboxJob
from aiflow.metadata.session import session_scope
from aiflow.model.status import TaskStatus
from aiflow.scheduler.timer_events import SCHEDULER_SENDER
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_control import TaskControl

logger = logging.getLogger(__name__)

#: The Celery task of start jobs (docs/contracts.md §2).
START_JOB = "aiflow.start_task"

#: Most broker commands kombu buffers before it sends them in one pipeline.
PUBLISH_BATCH = 500


def describe_job(kwargs: dict[str, object]) -> str:
    """Return how a job reads in Flower: ``namespace/workflow/task execution #id try n``."""
    return (f"{kwargs['namespace']}/{kwargs['workflow_name']}/{kwargs['task_name']} "
            f"execution #{kwargs['workflow_execution_id']} task #{kwargs['task_execution_id']} "
            f"try {kwargs['try_number']}")


class TryStopper:
    """Carries out stop jobs on the event bus's Redis (:class:`~notification.task_control.TaskControl`).

    A try that no worker has claimed is claimed ``stopped`` (it never runs) and reported STOPPED
    here, under a request id derived from the try, so a stop carried out again (after a crash, or
    for a try claimed ``stopped`` before) stores the same report once. A claimed try gets its stop
    key and a message on its stop channel; its worker ends it and reports.
    """

    def __init__(self, bus: NotificationClient, keys: TaskKeys | None = None) -> None:
        self._bus = bus
        self._control = TaskControl(bus.redis, keys)

    def stop(self, payloads: Sequence[Mapping[str, Any]]) -> int:
        """Stop the tries of these stop job payloads; return how many were reported STOPPED here."""
        if not payloads:
            return 0
        tries = [(int(p["task_execution_id"]), int(p["try_number"])) for p in payloads]
        unclaimed = self._control.stop(tries)
        for payload, never_ran in zip(payloads, unclaimed, strict=True):
            if never_ran:
                self._report_stopped(payload)
        logger.debug("Scheduler: stopped %s tries, %s of them before any worker took them", len(tries),
                     sum(unclaimed))
        return sum(unclaimed)

    def _report_stopped(self, payload: Mapping[str, Any]) -> None:
        task_execution_id, try_number = int(payload["task_execution_id"]), int(payload["try_number"])
        report = TaskStatusReport(str(payload["namespace"]), int(payload["workflow_execution_id"]),
                                  str(payload["task_name"]), task_execution_id, try_number, TaskStatus.STOPPED)
        self._bus.send_event(report.to_event(SCHEDULER_SENDER), request_id=f"stop:{task_execution_id}:{try_number}")


class Dispatcher:
    """Carries out outbox jobs (starts on Celery, stops on Redis) and remembers them until marked sent."""

    def __init__(self, engine: Engine, sender: Celery, bus: NotificationClient, keys: TaskKeys | None = None) -> None:
        self._engine = engine
        self._sender = sender
        self._stopper = TryStopper(bus, keys)
        self._published: list[int] = []

    @property
    def has_published(self) -> bool:
        """Whether jobs were sent that are not marked sent yet."""
        return bool(self._published)

    def send(self, jobs: Sequence[OutboxJob]) -> int:
        """Carry out ``jobs`` (committed in the outbox): stops first, then starts to the broker; return how many.

        A broker or Redis error propagates, and then none of them counts as sent.
        """
        if not jobs:
            return 0
        self._stopper.stop([json.loads(job.payload) for job in jobs if job.kind == "stop"])
        self._publish([job for job in jobs if job.kind == "start"])
        self._published += [job.id for job in jobs]
        logger.debug("Scheduler: sent %s jobs", len(jobs))
        return len(jobs)

    def _publish(self, starts: Sequence[OutboxJob]) -> None:
        """Send start jobs to their queues in pipelined batches."""
        if not starts:
            return
        amqp = self._sender.amqp
        with self._sender.producer_or_acquire() as producer, producer.batch(PUBLISH_BATCH):
            for job in starts:
                kwargs = json.loads(job.payload)
                message = amqp.create_task_message(uuid(), START_JOB, (), kwargs, argsrepr="()",
                                                   kwargsrepr=describe_job(kwargs))
                amqp.send_task_message(producer, START_JOB, message, queue=job.queue)

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
