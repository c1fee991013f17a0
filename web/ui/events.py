"""A namespace's events: the newest, filtered by key and sender, then live from the bus; and a form to send one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, render_template, request

from aiflow.metadata.queries.namespaces import get_namespace
from web.auth import require_namespace
from web.services import services, transaction
from web.ui import streams

bp = Blueprint("ui_events", __name__)

SHOWN = 50
"""Events the page starts with; it keeps :data:`KEPT` as new ones arrive."""
KEPT = 200


@bp.get("/namespaces/<namespace>/events")
def events(namespace: str) -> str:
    """The newest events of the namespace (``key`` and ``sender`` filter them), followed live."""
    filters = _filters(namespace)
    newest = services().bus.latest_events(limit=SHOWN, **filters)
    after = newest[0].offset if newest else services().bus.latest_offset()
    return render_template("events/events.html", namespace=namespace, events=newest, after=after,
                           key=filters["key"] or "", sender=filters["sender"] or "", kept=KEPT)


@bp.get("/namespaces/<namespace>/events/stream")
def events_stream(namespace: str) -> Any:
    """Server-sent events: each batch of matching events after ``after`` as rows, newest first."""
    filters = _filters(namespace)
    seen = {"after": streams.last_event_id()}
    bus = services().bus

    def wait(timeout: float) -> Iterator[str]:
        newest = bus.wait_for_events(seen["after"], timeout, key=filters["key"], namespace=namespace)
        if newest is None:
            return
        found = bus.list_events(begin_offset=seen["after"], end_offset=newest, limit=KEPT, **filters)
        seen["after"] = newest
        if found:
            rows = render_template("events/rows.html", events=list(reversed(found)), new=True)
            yield streams.message("append", rows, newest)

    return streams.event_stream(wait)


def _filters(namespace: str) -> dict[str, Any]:
    require_namespace(namespace)
    with transaction() as session:
        get_namespace(session, namespace)
    return {"key": request.args.get("key") or None, "namespace": namespace,
            "sender": request.args.get("sender") or None}
