"""Snapshots: the uploaded versions of a workflow, and their packages for the workers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from aiflow.metadata.queries import workflows as queries
from web.access import owning_workflow, workflow_named
from web.packages import package_key
from web.params import page_json, paging
from web.records import snapshot_detail, snapshot_record
from web.services import services, transaction

bp = Blueprint("snapshots", __name__)

CONTENT_HASH_HEADER = "X-AIFlow-Content-Hash"


@bp.get("/namespaces/<namespace>/workflows/<name>/snapshots")
def list_snapshots(namespace: str, name: str) -> dict[str, Any]:
    """The snapshots of a workflow, oldest first."""
    limit, offset = paging()
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        return page_json(queries.list_snapshots(session, workflow.id, limit, offset), snapshot_record)


@bp.get("/snapshots/<id:snapshot_id>")
def get_snapshot(snapshot_id: int) -> dict[str, Any]:
    """One snapshot."""
    with transaction() as session:
        snapshot = queries.get_snapshot(session, snapshot_id)
        owning_workflow(session, snapshot.workflow_id, f"snapshot {snapshot_id}")
        return snapshot_detail(snapshot)


@bp.get("/snapshots/<id:snapshot_id>/package")
def download_package(snapshot_id: int) -> Response:
    """The snapshot's package (a zip), with its SHA-256 in the ``X-AIFlow-Content-Hash`` header."""
    with transaction() as session:
        snapshot = queries.get_snapshot(session, snapshot_id)
        owning_workflow(session, snapshot.workflow_id, f"snapshot {snapshot_id}")
    data = services().blobs.get(package_key(snapshot.content_hash))
    response = Response(data, mimetype="application/zip")
    response.headers[CONTENT_HASH_HEADER] = snapshot.content_hash
    response.headers["Content-Disposition"] = f"attachment; filename=snapshot-{snapshot_id}.zip"
    return response
