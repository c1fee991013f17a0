"""Namespaces: add, show, list, update and delete (changes need an admin token)."""

from __future__ import annotations

from typing import Any

from aiflow.ops.http import call, call_or_none, list_items, resource
from aiflow.ops.meta import NamespaceMeta


def add_namespace(name: str, properties: dict[str, Any] | None = None) -> NamespaceMeta:
    """Create the namespace ``name`` with ``properties``; return it."""
    return NamespaceMeta.from_json(call("POST", "/namespaces", json={"name": name, "properties": properties}))


def delete_namespace(name: str) -> None:
    """Delete the namespace; the server refuses while it holds workflows.

    Raises:
        AIFlowException: the namespace does not exist, is not empty, or the call failed.
    """
    call("DELETE", resource("namespaces", name))


def get_namespace(name: str) -> NamespaceMeta | None:
    """Return the namespace ``name``, or ``None`` when there is none."""
    return NamespaceMeta.from_optional_json(call_or_none("GET", resource("namespaces", name)))


def list_namespace(limit: int | None = None, offset: int | None = None) -> list[NamespaceMeta] | None:
    """Return the namespaces the caller may see (all of them without ``limit``), or ``None`` when there is none."""
    return NamespaceMeta.list_from_json(list_items("/namespaces", limit, offset))


def update_namespace(name: str, properties: dict[str, Any]) -> NamespaceMeta | None:
    """Replace the namespace's properties; return it, or ``None`` when there is no such namespace."""
    answer = call_or_none("PATCH", resource("namespaces", name), json={"properties": properties})
    return NamespaceMeta.from_optional_json(answer)
