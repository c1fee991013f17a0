"""Namespaces: add, read, list, update and delete."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError, NotFoundError
from aiflow.metadata.definitions import DEFAULT_NAMESPACE, Namespace, Workflow
from aiflow.metadata.queries.paging import Page, paginate


def get_namespace(session: Session, name: str) -> Namespace:
    """Return the namespace ``name``."""
    namespace = session.get(Namespace, name)
    if namespace is None:
        raise NotFoundError(f"namespace {name!r} does not exist")
    return namespace


def list_namespaces(
    session: Session, limit: int, offset: int, only: Collection[str] | None = None
) -> Page[Namespace]:
    """Return namespaces by name; ``only`` restricts them to the given names."""
    statement = select(Namespace).order_by(Namespace.name)
    if only is not None:
        statement = statement.where(Namespace.name.in_(only))
    return paginate(session, statement, limit, offset)


def add_namespace(session: Session, name: str, properties: dict[str, Any] | None) -> Namespace:
    """Create the namespace ``name``; a name already taken is a conflict."""
    if session.get(Namespace, name) is not None:
        raise ConflictError(f"namespace {name!r} already exists")
    namespace = Namespace(name=name, properties=_encode(properties))
    session.add(namespace)
    session.flush()
    return namespace


def update_namespace(session: Session, name: str, properties: dict[str, Any] | None) -> Namespace:
    """Replace the properties of the namespace ``name``."""
    namespace = get_namespace(session, name)
    namespace.properties = _encode(properties)
    return namespace


def delete_namespace(session: Session, name: str) -> None:
    """Delete the namespace ``name``, which must hold no workflow and not be the default one."""
    namespace = get_namespace(session, name)
    if name == DEFAULT_NAMESPACE:
        raise ConflictError(f"namespace {name!r} is where workflows without a namespace go; it cannot be deleted")
    if session.scalar(select(exists().where(Workflow.namespace == name))):
        raise ConflictError(f"namespace {name!r} still holds workflows; delete them first")
    session.delete(namespace)


def namespace_properties(namespace: Namespace) -> dict[str, Any]:
    """Return the properties of ``namespace`` as a dict."""
    return dict(json.loads(namespace.properties)) if namespace.properties else {}


def _encode(properties: dict[str, Any] | None) -> str | None:
    return json.dumps(properties, sort_keys=True) if properties else None
