"""Snapshots: the uploaded versions of a workflow."""

from __future__ import annotations

from aiflow.ops.http import call, call_or_none, list_items, resource, workflow_resource
from aiflow.ops.meta import WorkflowSnapshotMeta
from notification.event import DEFAULT_NAMESPACE


def delete_workflow_snapshot(snapshot_id: int) -> None:
    """Delete an old snapshot with its finished executions.

    Raises:
        AIFlowException: no such snapshot, it is the workflow's current one, one of
            its executions is unfinished, or the call failed.
    """
    call("DELETE", resource("snapshots", snapshot_id))


def delete_workflow_snapshots(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Delete every snapshot of the workflow but the current one, with their finished executions.

    The current snapshot stays so the workflow can still start executions.

    Raises:
        AIFlowException: no such workflow, an execution of an old snapshot is unfinished, or the call failed.
    """
    call("DELETE", workflow_resource(namespace, workflow_name, "snapshots"))


def get_workflow_snapshot(snapshot_id: int) -> WorkflowSnapshotMeta | None:
    """Return the snapshot, or ``None`` when there is none."""
    return WorkflowSnapshotMeta.from_optional_json(call_or_none("GET", resource("snapshots", snapshot_id)))


def list_workflow_snapshots(
    workflow_name: str, namespace: str = DEFAULT_NAMESPACE, limit: int | None = None, offset: int | None = None
) -> list[WorkflowSnapshotMeta] | None:
    """Return the workflow's snapshots, oldest first, or ``None`` when there is none."""
    items = list_items(workflow_resource(namespace, workflow_name, "snapshots"), limit, offset)
    return WorkflowSnapshotMeta.list_from_json(items)
