"""The job outbox: start/stop jobs written with the state change that caused them, marked sent later.

Rows are written and marked in bulk, so a batch that queues thousands of tasks costs a few
statements, not thousands. The statements are Core ones, built once and run on the session's
connection (in its transaction): no ORM object ever holds an outbox row, so the ORM would only
add cost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import IN_CHUNK


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
_MARK_SENT = (update(JobOutbox).where(JobOutbox.id.in_(bindparam("ids", expanding=True)))
              .values(sent_time=bindparam("now")))


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


def mark_sent(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Mark the jobs ``ids`` sent at ``now``, in the caller's transaction."""
    connection = session.connection()
    for start in range(0, len(ids), IN_CHUNK):
        connection.execute(_MARK_SENT, {"ids": ids[start:start + IN_CHUNK], "now": now})
