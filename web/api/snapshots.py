"""Snapshots: the uploaded versions of a workflow, their packages for the workers, and pruning old ones.

A snapshot and its package are all a worker token may fetch (:func:`~web.auth.for_workers`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from aiflow.metadata.queries import workflows as queries
from web.access import snapshot_with_id, workflow_named
from web.auth import for_workers
from web.package_store import drop_unused_packages
from web.packages import package_key
from web.params import page_json, paging
from web.records import snapshot_record
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


@bp.delete("/namespaces/<namespace>/workflows/<name>/snapshots")
def delete_old_snapshots(namespace: str, name: str) -> dict[str, Any]:
    """Delete every snapshot but the current one, with their finished executions (409 while one runs)."""
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        content_hashes = queries.snapshot_hashes(session, workflow)
        deleted = queries.delete_old_snapshots(session, workflow)
    drop_unused_packages(content_hashes)
    return {"deleted": deleted}


@bp.get("/snapshots/<id:snapshot_id>")
@for_workers
def get_snapshot(snapshot_id: int) -> dict[str, Any]:
    """One snapshot."""
    with transaction() as session:
        return snapshot_record(snapshot_with_id(session, snapshot_id)[0])


@bp.delete("/snapshots/<id:snapshot_id>")
def delete_snapshot(snapshot_id: int) -> tuple[str, int]:
    """Delete an old snapshot with its finished executions (409 for the current one or while it runs)."""
    with transaction() as session:
        snapshot, workflow = snapshot_with_id(session, snapshot_id)
        queries.delete_snapshot(session, workflow, snapshot)
    drop_unused_packages([snapshot.content_hash])
    return "", 204


@bp.get("/snapshots/<id:snapshot_id>/package")
@for_workers
def download_package(snapshot_id: int) -> Response:
    """The snapshot's package (a zip), with its SHA-256 in the ``X-AIFlow-Content-Hash`` header."""
    with transaction() as session:
        snapshot, _ = snapshot_with_id(session, snapshot_id)
    data = services().blobs.get(package_key(snapshot.content_hash))
    response = Response(data, mimetype="application/zip")
    response.headers[CONTENT_HASH_HEADER] = snapshot.content_hash
    response.headers["Content-Disposition"] = f"attachment; filename=snapshot-{snapshot_id}.zip"
    return response
