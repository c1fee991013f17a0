"""The scheduler's position in the event log, committed with the state each event changed.

The scheduler runs these on every batch, so each is a Core statement built once, run on the
session's connection (in its transaction): building a statement, or going through the ORM for a
row that no object holds, would cost more than running it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError
from aiflow.metadata.scheduler_state import EventCheckpoint

SCHEDULER = "scheduler"

_NAMED = EventCheckpoint.name == bindparam("consumer")
_OFFSET = select(EventCheckpoint.last_applied_offset).where(_NAMED)
_TOKEN = select(EventCheckpoint.fencing_token).where(_NAMED)
_ADVANCE = (update(EventCheckpoint).where(_NAMED, EventCheckpoint.last_applied_offset < bindparam("offset"))
            .values(last_applied_offset=bindparam("offset")))
_MOVE = update(EventCheckpoint).where(_NAMED).values(last_applied_offset=bindparam("offset"))
_FENCE = (update(EventCheckpoint).where(_NAMED, EventCheckpoint.fencing_token <= bindparam("token"))
          .values(fencing_token=bindparam("token")))
_CREATE = insert(EventCheckpoint)


class FencedOut(ConflictError):
    """A scheduler with a newer lease has committed; this one may not write any more."""


def last_applied_offset(session: Session, consumer: str = SCHEDULER) -> int:
    """Return the offset of the last event ``consumer`` applied (0 before the first)."""
    return session.connection().scalar(_OFFSET, {"consumer": consumer}) or 0


def last_fencing_token(session: Session, consumer: str = SCHEDULER) -> int:
    """Return the lease token of the scheduler that committed last (0 before the first)."""
    return session.connection().scalar(_TOKEN, {"consumer": consumer}) or 0


def advance(session: Session, offset: int, consumer: str = SCHEDULER) -> None:
    """Record ``offset`` as applied, in the caller's transaction; it never moves backwards."""
    connection = session.connection()
    if connection.execute(_ADVANCE, {"consumer": consumer, "offset": offset}).rowcount == 0:
        if connection.scalar(_OFFSET, {"consumer": consumer}) is None:
            connection.execute(_CREATE, {"name": consumer, "last_applied_offset": offset})


def move_to(session: Session, offset: int, consumer: str = SCHEDULER) -> None:
    """Set the checkpoint to ``offset``, backwards too: for pairing the database with another event bus.

    Only while no scheduler applies (the pairing check holds it back); the fencing token stays.
    """
    connection = session.connection()
    if connection.execute(_MOVE, {"consumer": consumer, "offset": offset}).rowcount == 0:
        connection.execute(_CREATE, {"name": consumer, "last_applied_offset": offset})


def fence(session: Session, token: int, consumer: str = SCHEDULER) -> None:
    """Refuse this transaction unless ``token`` is at least the last committed fencing token.

    The update takes the checkpoint row's lock, so two schedulers cannot both pass it.

    Raises:
        FencedOut: a scheduler with a newer lease has committed since.
    """
    connection = session.connection()
    if connection.execute(_FENCE, {"consumer": consumer, "token": token}).rowcount == 1:
        return
    if connection.scalar(_OFFSET, {"consumer": consumer}) is not None:
        raise FencedOut(f"fencing token {token} is stale: another scheduler has taken over")
    connection.execute(_CREATE, {"name": consumer, "last_applied_offset": 0, "fencing_token": token})
