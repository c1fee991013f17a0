"""The scheduler's position in the event log, committed with the state each event changed."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError
from aiflow.metadata.scheduler_state import EventCheckpoint

SCHEDULER = "scheduler"


class FencedOut(ConflictError):
    """A scheduler with a newer lease has committed; this one may not write any more."""


def last_applied_offset(session: Session, consumer: str = SCHEDULER) -> int:
    """Return the offset of the last event ``consumer`` applied (0 before the first)."""
    row = session.get(EventCheckpoint, consumer)
    return row.last_applied_offset if row else 0


def advance(session: Session, offset: int, consumer: str = SCHEDULER) -> None:
    """Record ``offset`` as applied, in the caller's transaction; it never moves backwards."""
    row = session.get(EventCheckpoint, consumer)
    if row is None:
        session.add(EventCheckpoint(name=consumer, last_applied_offset=offset))
    elif offset > row.last_applied_offset:
        row.last_applied_offset = offset


def fence(session: Session, token: int, consumer: str = SCHEDULER) -> None:
    """Refuse this transaction unless ``token`` is at least the last committed fencing token.

    The update takes the checkpoint row's lock, so two schedulers cannot both pass it.

    Raises:
        FencedOut: a scheduler with a newer lease has committed since.
    """
    if session.get(EventCheckpoint, consumer) is None:
        session.add(EventCheckpoint(name=consumer, last_applied_offset=0, fencing_token=token))
        session.flush()
        return
    updated = session.execute(
        update(EventCheckpoint)
        .where(EventCheckpoint.name == consumer, EventCheckpoint.fencing_token <= token)
        .values(fencing_token=token)
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        raise FencedOut(f"fencing token {token} is stale: another scheduler has taken over")
