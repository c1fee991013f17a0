"""Events of a namespace: send, list and count.

Keys starting with ``aiflow.`` are reserved for AIFlow's own events (commands,
task statuses) and cannot be sent through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from flask import Blueprint, request

from aiflow.commands import COMMAND_EVENT_KEY
from aiflow.errors import InvalidInputError
from aiflow.metadata.queries.namespaces import get_namespace
from notification.event import Event
from web.auth import require_namespace
from web.params import json_body, optional_int_arg, paging, string_field
from web.services import services, transaction

bp = Blueprint("events", __name__)

RESERVED_PREFIX = COMMAND_EVENT_KEY.split(".")[0] + "."


@bp.post("/namespaces/<namespace>/events")
def send_event(namespace: str) -> tuple[dict[str, Any], int]:
    """Send ``{"key", "value", "sender"?, "context"?}``; answers the stored event with its offset."""
    _check_namespace(namespace)
    body = json_body()
    key = string_field(body, "key") or ""
    if key.startswith(RESERVED_PREFIX):
        raise InvalidInputError(f"event keys starting with {RESERVED_PREFIX!r} are reserved for AIFlow")
    event = Event(
        key=key,
        value=_optional_text(body, "value"),
        namespace=namespace,
        sender=_optional_text(body, "sender"),
        context=_optional_text(body, "context"),
    )
    event = services().bus.send_event(event)
    return event.to_dict(), 201


@bp.get("/namespaces/<namespace>/events")
def list_events(namespace: str) -> dict[str, Any]:
    """Events of the namespace after ``begin_offset``, filtered by ``key`` and ``sender``, a page at a time.

    The events are streamed from the bus: the page's ``offset`` are skipped and
    ``limit`` kept, so no more than that is ever held.
    """
    limit, offset = paging()
    filters = _filters(namespace)
    events = services().bus.iter_events(**filters)
    if _unfiltered(filters):
        items = list(islice(events, offset, offset + limit))
        total = services().bus.count_events(namespace=namespace)
    else:
        items, total = _page_and_count(events, offset, limit)
    return {"items": [event.to_dict() for event in items], "total": total}


@bp.get("/namespaces/<namespace>/events/count")
def count_events(namespace: str) -> dict[str, Any]:
    """How many events ``list`` would return in all."""
    return {"count": services().bus.count_events(**_filters(namespace))}


def _filters(namespace: str) -> dict[str, Any]:
    """The bus query of a list or count request on ``namespace`` (checked to exist and be allowed)."""
    _check_namespace(namespace)
    return {
        "key": request.args.get("key") or None,
        "namespace": namespace,
        "sender": request.args.get("sender") or None,
        "begin_offset": optional_int_arg("begin_offset"),
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
