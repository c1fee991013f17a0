"""Events of a namespace: send, list (waiting for the next one if asked) and count.

Keys starting with ``aiflow.`` are reserved for AIFlow's own events (commands,
task statuses) and cannot be sent through the API. Events a try token sends
carry its task's name and workflow execution (:mod:`web.try_tokens`).

A listing with ``wait=S`` whose page is empty waits up to ``S`` seconds (at most
:data:`MAX_WAIT_S`) on the bus for an event after ``begin_offset`` and answers as
soon as the page has one. A process waits for at most :data:`WAITING_SLOTS`
listings at once, so waiting listings never take every thread of the server; a
listing finding no slot free answers at once, and its client asks again later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any

from flask import Blueprint, request

from aiflow.commands import COMMAND_EVENT_KEY
from aiflow.errors import InvalidInputError
from aiflow.metadata.queries.namespaces import get_namespace
from notification.event import Event
from web.auth import require_namespace
from web.params import json_body, optional_float_arg, optional_int_arg, optional_time_arg, paging, string_field
from web.services import services, transaction
from web.try_tokens import current_grant

bp = Blueprint("events", __name__)

RESERVED_PREFIX = COMMAND_EVENT_KEY.split(".")[0] + "."
MAX_WAIT_S = 30.0
"""The longest a listing may wait for its first event."""
WAITING_SLOTS = 4
"""Listings one process waits for at once: a quarter of the threads of a gunicorn worker (:mod:`web.serve`)."""
_waiting = threading.BoundedSemaphore(WAITING_SLOTS)


@bp.post("/namespaces/<namespace>/events")
def send_event(namespace: str) -> tuple[dict[str, Any], int]:
    """Send ``{"key", "value", "sender"?, "context"?}``; answers the stored event with its offset."""
    _check_namespace(namespace)
    body = json_body()
    key = string_field(body, "key") or ""
    if key.startswith(RESERVED_PREFIX):
        raise InvalidInputError(f"event keys starting with {RESERVED_PREFIX!r} are reserved for AIFlow")
    sender, context = _optional_text(body, "sender"), _optional_text(body, "context")
    grant = current_grant()
    if grant is not None:  # a task's event: from its task, for its workflow execution only
        sender, context = grant.task_name, grant.event_context()
    event = Event(key=key, value=_optional_text(body, "value"), namespace=namespace, sender=sender, context=context)
    event = services().bus.send_event(event)
    return event.to_dict(), 201


@bp.get("/namespaces/<namespace>/events")
def list_events(namespace: str) -> dict[str, Any]:
    """Events of the namespace after ``begin_offset`` (or from ``begin_time``), filtered by ``key`` and ``sender``.

    The events are streamed from the bus: the page's ``offset`` are skipped and
    ``limit`` kept, so no more than that is ever held. With ``wait``, an empty
    page waits for its first event (see the module's docstring).
    """
    limit, offset = paging()
    filters = _filters(namespace)
    wait = optional_float_arg("wait", maximum=MAX_WAIT_S) or 0.0
    items, total = _page(filters, offset, limit)
    if not items and wait > 0 and _waiting.acquire(blocking=False):
        try:
            items, total = _wait_for_page(filters, offset, limit, time.monotonic() + wait) or ([], total)
        finally:
            _waiting.release()
    return {"items": [event.to_dict() for event in items], "total": total}


@bp.get("/namespaces/<namespace>/events/count")
def count_events(namespace: str) -> dict[str, Any]:
    """How many events ``list`` would return in all."""
    return {"count": services().bus.count_events(**_filters(namespace))}


def _page(filters: dict[str, Any], offset: int, limit: int) -> tuple[list[Event], int]:
    """The page of the events ``filters`` select, and how many they select in all."""
    events = services().bus.iter_events(**filters)
    if _unfiltered(filters):
        return list(islice(events, offset, offset + limit)), services().bus.count_events(namespace=filters["namespace"])
    return _page_and_count(events, offset, limit)


def _wait_for_page(
    filters: dict[str, Any], offset: int, limit: int, deadline: float
) -> tuple[list[Event], int] | None:
    """Block on the bus until the page has an event, or until ``deadline``; return that page, or None at the deadline.

    Each wake-up reads on from the newest entry seen, so events that do not pass the
    filters (another sender, another namespace's event of the key) are read once.
    """
    bus = services().bus
    seen = filters["begin_offset"] or 0
    if filters["begin_time"] is not None:
        seen = max(seen, bus.time_to_offset(filters["begin_time"]))
    while (remaining := deadline - time.monotonic()) > 0:
        newest = bus.wait_for_events(seen, remaining, key=filters["key"], namespace=filters["namespace"])
        if newest is None:
            return None
        seen = newest
        items, total = _page(filters, offset, limit)
        if items:
            return items, total
    return None


def _filters(namespace: str) -> dict[str, Any]:
    """The bus query of a list or count request on ``namespace`` (checked to exist and be allowed)."""
    _check_namespace(namespace)
    return {
        "key": request.args.get("key") or None,
        "namespace": namespace,
        "sender": request.args.get("sender") or None,
        "begin_offset": optional_int_arg("begin_offset"),
        "begin_time": optional_time_arg("begin_time"),
    }


def _unfiltered(filters: dict[str, Any]) -> bool:
    return all(value is None for name, value in filters.items() if name != "namespace")


def _page_and_count(events: Iterator[Event], offset: int, limit: int) -> tuple[list[Event], int]:
    """Keep the events from ``offset`` to ``offset + limit`` and count them all, in one pass."""
    items: list[Event] = []
    total = 0
    for total, event in enumerate(events, start=1):
        if offset < total <= offset + limit:
            items.append(event)
    return items, total


def _check_namespace(namespace: str) -> None:
    require_namespace(namespace)
    with transaction() as session:
        get_namespace(session, namespace)


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidInputError(f"field {name!r} must be a string or null")
    return value
