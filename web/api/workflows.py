"""``/namespaces/<ns>/workflows``: upload, list, show, enable, disable and delete workflows.

Every upload, enable, disable and delete publishes a ``WORKFLOW_CHANGED``
command so the scheduler reloads the workflow's schedules and triggers, even
when it changed nothing: a request answered 503 because the bus was down can
then be repeated to tell the scheduler.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from aiflow.commands import Command, CommandKind
from aiflow.errors import InvalidInputError
from aiflow.metadata import Workflow
from aiflow.metadata.queries import workflows as queries
from aiflow.metadata.queries.namespaces import get_namespace
from web.access import workflow_named
from web.auth import require_namespace
from web.package_store import drop_unused_packages, ensure_stored, store_package
from web.packages import read_package, zip_if_single_file
from web.params import page_json, paging
from web.records import snapshot_record, workflow_record
from web.services import announce, services, transaction

bp = Blueprint("workflows", __name__)


@bp.post("/namespaces/<namespace>/workflows")
def upload_workflow(namespace: str) -> tuple[dict[str, Any], int]:
    """Upload a package (multipart ``package``: a zip, or one ``.py`` file; ``entry``, ``name`` optional)."""
    require_namespace(namespace)
    upload = request.files.get("package")
    if upload is None:
        raise InvalidInputError("send the workflow package as the multipart file field 'package'")
    with transaction() as session:
        get_namespace(session, namespace)
    config = services().config
    package = read_package(zip_if_single_file(upload.read(), upload.filename), request.form.get("entry") or None,
                           config)
    plan = package.plan(request.form.get("name") or None, namespace)
    uri = store_package(package)
    record = queries.Upload(namespace, plan.name, package.source, plan.to_json(), package.content_hash, uri,
                            package.entry, list(plan.tasks))
    with transaction() as session:
        get_namespace(session, namespace)
        result = queries.record_upload(session, record)
    ensure_stored(package)
    _announce(result.workflow)
    return {**workflow_record(result.workflow), "snapshot": snapshot_record(result.snapshot)}, 201


@bp.get("/namespaces/<namespace>/workflows")
def list_workflows(namespace: str) -> dict[str, Any]:
    """The workflows of a namespace."""
    require_namespace(namespace)
    limit, offset = paging()
    with transaction() as session:
        get_namespace(session, namespace)
        return page_json(queries.list_workflows(session, namespace, limit, offset), workflow_record)


@bp.get("/namespaces/<namespace>/workflows/<name>")
def get_workflow(namespace: str, name: str) -> dict[str, Any]:
    """One workflow."""
    with transaction() as session:
        return workflow_record(workflow_named(session, namespace, name))


@bp.delete("/namespaces/<namespace>/workflows/<name>")
def delete_workflow(namespace: str, name: str) -> tuple[str, int]:
    """Delete a workflow with its snapshots, schedules, triggers and finished executions."""
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        content_hashes = queries.snapshot_hashes(session, workflow)
        queries.delete_workflow(session, workflow)
    drop_unused_packages(content_hashes)
    _announce(workflow)
    return "", 204


@bp.post("/namespaces/<namespace>/workflows/<name>/enable")
def enable_workflow(namespace: str, name: str) -> dict[str, Any]:
    """Let the workflow start executions again."""
    return _set_enabled(namespace, name, True)


@bp.post("/namespaces/<namespace>/workflows/<name>/disable")
def disable_workflow(namespace: str, name: str) -> dict[str, Any]:
    """Refuse new executions of the workflow; its schedules and triggers stop firing."""
    return _set_enabled(namespace, name, False)


def _set_enabled(namespace: str, name: str, enabled: bool) -> dict[str, Any]:
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        workflow.is_enabled = enabled
        session.flush()
        record = workflow_record(workflow)
    _announce(workflow)
    return record


def _announce(workflow: Workflow) -> None:
    announce(Command(CommandKind.WORKFLOW_CHANGED, workflow_id=workflow.id), workflow.namespace)
