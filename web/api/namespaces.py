"""``/namespaces``: list, add, show, update and delete namespaces (changes need an admin token)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aiflow.metadata.queries import namespaces as queries
from aiflow.model.names import check_name
from web.auth import principal, require_admin, require_namespace
from web.params import json_body, object_field, page_json, paging
from web.records import namespace_record
from web.services import transaction

bp = Blueprint("namespaces", __name__)


@bp.get("/namespaces")
def list_namespaces() -> dict[str, Any]:
    """The namespaces the caller may access."""
    limit, offset = paging()
    with transaction() as session:
        page = queries.list_namespaces(session, limit, offset, only=principal().namespaces)
        return page_json(page, namespace_record)


@bp.post("/namespaces")
def add_namespace() -> tuple[dict[str, Any], int]:
    """Add a namespace: ``{"name", "properties"}`` (the name as :func:`~aiflow.model.names.check_name` says)."""
    require_admin()
    body = json_body()
    name = check_name("Namespace", body.get("name"))
    with transaction() as session:
        namespace = queries.add_namespace(session, name, object_field(body, "properties"))
        return namespace_record(namespace), 201


@bp.get("/namespaces/<namespace>")
def get_namespace(namespace: str) -> dict[str, Any]:
    """One namespace."""
    require_namespace(namespace)
    with transaction() as session:
        return namespace_record(queries.get_namespace(session, namespace))


@bp.patch("/namespaces/<namespace>")
def update_namespace(namespace: str) -> dict[str, Any]:
    """Replace a namespace's properties: ``{"properties"}``."""
    require_admin()
    properties = object_field(json_body(), "properties")
    with transaction() as session:
        return namespace_record(queries.update_namespace(session, namespace, properties))


@bp.delete("/namespaces/<namespace>")
def delete_namespace(namespace: str) -> tuple[str, int]:
    """Delete an empty namespace (409 while it holds workflows)."""
    require_admin()
    with transaction() as session:
        queries.delete_namespace(session, namespace)
    return "", 204
