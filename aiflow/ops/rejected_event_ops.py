"""Rejected events: the events the scheduler could not apply, with why."""

from __future__ import annotations

from aiflow.ops.http import list_items, resource
from aiflow.ops.meta import RejectedEventMeta


def list_rejected_events(namespace: str | None = None, limit: int | None = None,
                         offset: int | None = None) -> list[RejectedEventMeta] | None:
    """Return the rejected events of ``namespace`` (of every namespace when None: admins only), or None."""
    path = resource("namespaces", namespace, "rejected-events") if namespace is not None else "/rejected-events"
    return RejectedEventMeta.list_from_json(list_items(path, limit, offset))
