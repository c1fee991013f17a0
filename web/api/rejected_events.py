"""Rejected events: the events the scheduler could not apply, with why (it skipped them and went on).

A namespace's are listed under it; every one, including entries whose namespace could not be
decoded, only for admins.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aiflow.metadata.queries.namespaces import get_namespace
from aiflow.metadata.queries.rejected_events import list_rejected_events
from web.auth import require_admin, require_namespace
from web.params import page_json, paging
from web.records import rejected_event_record
from web.services import transaction

bp = Blueprint("rejected_events", __name__)


@bp.get("/namespaces/<namespace>/rejected-events")
def list_of_namespace(namespace: str) -> dict[str, Any]:
    """The rejected events of a namespace, oldest first."""
    require_namespace(namespace)
    limit, offset = paging()
    with transaction() as session:
        get_namespace(session, namespace)
        return page_json(list_rejected_events(session, [namespace], limit, offset), rejected_event_record)


@bp.get("/rejected-events")
def list_all() -> dict[str, Any]:
    """Every rejected event, oldest first (admins only)."""
    require_admin()
    limit, offset = paging()
    with transaction() as session:
        return page_json(list_rejected_events(session, None, limit, offset), rejected_event_record)
