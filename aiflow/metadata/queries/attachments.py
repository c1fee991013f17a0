"""Schedules and event triggers: what is attached to a workflow to start its executions.

Both kinds share their life cycle (add, read, list, pause, resume, delete), so
one set of functions serves both, given the table.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aiflow.errors import NotFoundError
from aiflow.metadata.definitions import WorkflowEventTrigger, WorkflowSchedule
from aiflow.metadata.queries.paging import Page, paginate

A = TypeVar("A", WorkflowSchedule, WorkflowEventTrigger)

_KIND = {WorkflowSchedule: "workflow schedule", WorkflowEventTrigger: "workflow trigger"}


def get_attachment(session: Session, table: type[A], attachment_id: int) -> A:
    """Return the schedule or trigger with id ``attachment_id``."""
    attachment = session.get(table, attachment_id)
    if attachment is None:
        raise NotFoundError(f"{_KIND[table]} {attachment_id} does not exist")
    return attachment


def list_attachments(session: Session, table: type[A], workflow_id: int, limit: int, offset: int) -> Page[A]:
    """Return a workflow's schedules or triggers, oldest first."""
    statement = select(table).where(table.workflow_id == workflow_id).order_by(table.id)
    return paginate(session, statement, limit, offset)


def delete_attachments(session: Session, table: type[A], workflow_id: int) -> int:
    """Delete every schedule or trigger of a workflow; return how many there were."""
    result = session.execute(delete(table).where(table.workflow_id == workflow_id))
    return int(result.rowcount)  # type: ignore[attr-defined]
