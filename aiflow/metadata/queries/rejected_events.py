"""Rejected events: recorded by the scheduler, listed through the API."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from aiflow.metadata.queries.paging import Page, paginate
from aiflow.metadata.scheduler_state import RejectedEvent

MAX_KEY_CHARS = 1024
MAX_ERROR_CHARS = 64 * 1024


def record_rejected_event(session: Session, offset: int, namespace: str | None, key: str | None,
                          error: str) -> None:
    """Record that the event at ``offset`` was skipped because of ``error`` (once per offset)."""
    if session.get(RejectedEvent, offset) is None:
        session.add(RejectedEvent(event_offset=offset, namespace=namespace[:255] if namespace else namespace,
                                  event_key=key[:MAX_KEY_CHARS] if key else key, error=error[-MAX_ERROR_CHARS:]))


def list_rejected_events(session: Session, namespaces: Collection[str] | None, limit: int,
                         offset: int) -> Page[RejectedEvent]:
    """Return rejected events, oldest first; ``namespaces`` restricts them (None: all, even undecodable ones)."""
    statement = select(RejectedEvent).order_by(RejectedEvent.event_offset)
    if namespaces is not None:
        statement = statement.where(RejectedEvent.namespace.in_(namespaces))
    return paginate(session, statement, limit, offset)
