"""The job outbox, its whole life in one place: written with the state, carried out after commit, marked sent.

1. **Written in the transaction** that applies the events causing them (:func:`write_jobs`, from
   :mod:`aiflow.scheduler.writer`), in bulk with Core statements built once, so a crash can never
   keep a state change and lose its job, or the other way round.
2. **Carried out after commit** by the :class:`Dispatcher`: start jobs go to Celery on the task's
   queue, through kombu's publish batch (``Producer.batch``) in pipelines of up to
   :data:`PUBLISH_BATCH` commands; stop jobs are carried out on Redis
   (:mod:`aiflow.scheduler.stops`), so they reach a busy worker whatever queue the task used.
3. **Marked sent** (:func:`mark_sent`) only once the broker or Redis took them, and then with the
   next transaction the scheduler commits anyway (:meth:`Dispatcher.take_published`), or on its
   own when the log is idle. Marking adds a ``start_sent`` or ``stop_sent`` step to the timeline of
   each job's task execution, in the same statement for all of them.
4. **Sent again after a crash** (:meth:`Dispatcher.send_unsent`, at recovery): harmless, because a
   worker claims each (task execution, try) once, and a stop carried out again reports the same
   thing under the same request id. A batch that fails raises, so its jobs stay unsent.

Each start job carries its try's credential (:mod:`aiflow.try_token`) in the message header
:data:`TRY_TOKEN_HEADER`, minted as the job is sent (one HMAC per job) and never stored in the outbox.
A header, not an argument: Celery shows arguments (``kwargsrepr``, ``inspect active``, Flower) and its
events carry them, but not custom headers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from celery import Celery
from kombu.utils.uuid import uuid
from sqlalchemy import bindparam, case, func, insert, literal, null, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aiflow.metadata.column_types import UTCDateTime
from aiflow.metadata.executions import TaskExecution, TaskTimelineStep
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import IN_CHUNK, session_scope
from aiflow.metadata.try_key import try_token_key
from aiflow.model.timeline import TimelineStep
from aiflow.scheduler.announce import Changes
from aiflow.scheduler.stops import TryStopper
from aiflow.scheduler.timeline import last_step_id
from aiflow.try_token import TRY_TOKEN_HEADER, mint
from notification.client import NotificationClient
from notification.keys import TaskKeys

logger = logging.getLogger(__name__)

#: The Celery task of start jobs (docs/contracts.md §2).
START_JOB = "aiflow.start_task"

#: Most broker commands kombu buffers before it sends them in one pipeline.
PUBLISH_BATCH = 500


@dataclass(frozen=True)
class OutboxJob:
    """One outbox row as the dispatcher needs it: a Celery job for a queue (docs/contracts.md §2)."""

    id: int
    kind: str
    queue: str
    payload: str


@dataclass(frozen=True)
class NewJob:
    """A job to write: for try ``try_number`` of task execution ``task_execution_id``."""

    kind: str
    task_execution_id: int
    try_number: int
    queue: str
    payload: str


_INSERT = insert(JobOutbox)
_INSERT_RETURNING = _INSERT.returning(JobOutbox.id, sort_by_parameter_order=True)
_UNSENT = select(JobOutbox.id, JobOutbox.kind, JobOutbox.queue, JobOutbox.payload).where(
    JobOutbox.sent_time.is_(None)).order_by(JobOutbox.id)
_COUNT_UNSENT = select(func.count()).select_from(JobOutbox).where(JobOutbox.sent_time.is_(None))
_MARK_SENT = (update(JobOutbox).where(JobOutbox.id.in_(bindparam("ids", expanding=True)))
              .values(sent_time=bindparam("now")))
_STARTING = JobOutbox.kind == "start"
_SENT_STEPS = insert(TaskTimelineStep).from_select(  # one step per job not marked sent yet, in job order
    ["task_execution_id", "try_number", "step", "status", "at", "cause"],
    select(JobOutbox.task_execution_id, JobOutbox.try_number,
           case((_STARTING, literal(TimelineStep.START_SENT.value)), else_=literal(TimelineStep.STOP_SENT.value)),
           case((JobOutbox.try_number == TaskExecution.try_number, TaskExecution.status), else_=null()),
           bindparam("now", type_=UTCDateTime()),
           case((_STARTING, literal("sent to queue ") + JobOutbox.queue), else_=literal("carried out on Redis")))
    .join(TaskExecution, TaskExecution.id == JobOutbox.task_execution_id)
    .where(JobOutbox.id.in_(bindparam("ids", expanding=True)), JobOutbox.sent_time.is_(None))
    .order_by(JobOutbox.id),
)


def write_jobs(session: Session, jobs: Sequence[NewJob]) -> list[OutboxJob]:
    """Insert ``jobs`` in the caller's transaction, in bulk; return them with their ids, in order."""
    if not jobs:
        return []
    rows = [{"kind": j.kind, "task_execution_id": j.task_execution_id, "try_number": j.try_number,
             "queue": j.queue, "payload": j.payload} for j in jobs]
    connection = session.connection()
    if connection.dialect.insert_executemany_returning_sort_by_parameter_order:
        ids = connection.execute(_INSERT_RETURNING, rows).scalars().all()
    else:  # MySQL has no RETURNING: one statement per job, each telling its id
        ids = [connection.execute(_INSERT, row).lastrowid for row in rows]
    return [OutboxJob(job_id, job.kind, job.queue, job.payload) for job_id, job in zip(ids, jobs, strict=True)]


def unsent_jobs(session: Session) -> list[OutboxJob]:
    """Return every job written but not marked sent, oldest first."""
    return [OutboxJob(*row) for row in session.connection().execute(_UNSENT)]


def count_unsent(session: Session) -> int:
    """Return how many jobs are written but not marked sent (read through the index of unsent jobs)."""
    return int(session.connection().execute(_COUNT_UNSENT).scalar_one())


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Mark the jobs ``ids`` sent at ``now`` with their timeline steps, in the caller's transaction.

    A job marked already gets no second step.
    """
    connection = session.connection()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = {"ids": ids[start:start + IN_CHUNK], "now": now}
        connection.execute(_SENT_STEPS, chunk)
        connection.execute(_MARK_SENT, chunk)


def describe_job(kwargs: dict[str, object]) -> str:
    """Return how a job reads in Flower: ``namespace/workflow/task execution #id try n``."""
    return (f"{kwargs['namespace']}/{kwargs['workflow_name']}/{kwargs['task_name']} "
            f"execution #{kwargs['workflow_execution_id']} task #{kwargs['task_execution_id']} "
            f"try {kwargs['try_number']}")


class Dispatcher:
    """Carries out outbox jobs (starts on Celery, stops on Redis) and remembers them until marked sent."""

    def __init__(self, engine: Engine, sender: Celery, bus: NotificationClient, keys: TaskKeys | None = None) -> None:
        self._engine = engine
        self._sender = sender
        self._stopper = TryStopper(bus, keys)
        self._published: list[int] = []
        self._published_executions = Changes()  # of the jobs in _published

    @cached_property
    def _try_key(self) -> bytes:
        """The key of try tokens, read (or made) once, when the first start job goes out."""
        return try_token_key(self._engine)

    @property
    def has_published(self) -> bool:
        """Whether jobs were sent that are not marked sent yet."""
        return bool(self._published)

    def send(self, jobs: Sequence[OutboxJob]) -> int:
        """Carry out ``jobs`` (committed in the outbox): starts to the broker, then stops; return how many.

        Starts go first because a task start is what an event waits for; a restart's stop (one or
        two round trips to Redis) follows within a millisecond, and it ends the old try whether or not
        a worker took it in between. A broker or Redis error propagates, and then none of them counts
        as sent.
        """
        if not jobs:
            return 0
        payloads = [(job, json.loads(job.payload)) for job in jobs]
        self._publish([(job, kwargs) for job, kwargs in payloads if job.kind == "start"])
        self._stopper.stop([kwargs for job, kwargs in payloads if job.kind == "stop"])
        self._published += [job.id for job in jobs]
        for _, kwargs in payloads:
            self._published_executions.add(kwargs["workflow_execution_id"], kwargs["namespace"])
        logger.debug("Scheduler: sent %s jobs", len(jobs))
        return len(jobs)

    def _publish(self, starts: Sequence[tuple[OutboxJob, dict[str, Any]]]) -> None:
        """Send start jobs (with their parsed payloads) to their queues in pipelined batches."""
        if not starts:
            return
        amqp, key = self._sender.amqp, self._try_key
        with self._sender.producer_or_acquire() as producer, producer.batch(PUBLISH_BATCH):
            for job, kwargs in starts:
                message = amqp.create_task_message(uuid(), START_JOB, (), kwargs, argsrepr="()",
                                                   kwargsrepr=describe_job(kwargs))
                message.headers[TRY_TOKEN_HEADER] = mint(key, kwargs["task_execution_id"], kwargs["try_number"])
                amqp.send_task_message(producer, START_JOB, message, queue=job.queue)

    def take_published(self) -> tuple[list[int], Changes]:
        """Return the ids of the jobs sent but not marked yet, for the caller's next transaction to mark.

        With them come their executions, whose timelines marking changes: to announce once it commits.
        If that transaction rolls back, they stay unsent in the outbox and are sent again on recovery.
        """
        published, self._published = self._published, []
        executions, self._published_executions = self._published_executions, Changes()
        return published, executions

    def mark_published(self, now: datetime) -> Changes:
        """Mark the jobs sent but not marked yet, in a transaction of their own; return what that changed."""
        if not self._published:
            return Changes()
        ids, changes = self.take_published()
        with session_scope(self._engine) as session:
            mark_sent(session, ids, now)
            changes.last_step = last_step_id(session)
        return changes

    def send_unsent(self, now: datetime) -> int:
        """Send every job written but not marked sent (after a crash), and mark them; return how many."""
        self.mark_published(now)  # what this dispatcher did send does not go again
        with session_scope(self._engine) as session:
            jobs = unsent_jobs(session)
        sent = self.send(jobs)
        self.mark_published(now)
        return sent
