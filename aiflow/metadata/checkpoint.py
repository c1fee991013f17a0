"""The scheduler's position in the event log, committed with the state each event changed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aiflow.metadata.scheduler_state import EventCheckpoint

SCHEDULER = "scheduler"


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
