"""Workflows and their snapshots: upload, read, list, enable, disable, delete."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError, NotFoundError
from aiflow.metadata.definitions import Workflow, WorkflowSnapshot
from aiflow.metadata.queries.executions import has_unfinished_executions
from aiflow.metadata.queries.paging import Page, paginate


@dataclass(frozen=True)
class Upload:
    """One uploaded version of a workflow, as the API server received it."""

    namespace: str
    name: str
    content: str
    plan: str
    content_hash: str
    uri: str
    entry: str
    task_names: list[str]


@dataclass(frozen=True)
class UploadResult:
    """The workflow after an upload; ``changed`` is False when its current content was uploaded again."""

    workflow: Workflow
    snapshot: WorkflowSnapshot
    changed: bool


def get_workflow(session: Session, namespace: str, name: str) -> Workflow:
    """Return the workflow ``name`` of ``namespace``."""
    workflow = session.scalar(select(Workflow).where(Workflow.namespace == namespace, Workflow.name == name))
    if workflow is None:
        raise NotFoundError(f"workflow {name!r} does not exist in namespace {namespace!r}")
    return workflow


def get_workflow_by_id(session: Session, workflow_id: int) -> Workflow:
    """Return the workflow with id ``workflow_id``."""
    workflow = session.get(Workflow, workflow_id)
    if workflow is None:
        raise NotFoundError(f"workflow {workflow_id} does not exist")
    return workflow


def list_workflows(session: Session, namespace: str, limit: int, offset: int) -> Page[Workflow]:
    """Return the workflows of ``namespace`` by name."""
    statement = select(Workflow).where(Workflow.namespace == namespace).order_by(Workflow.name)
    return paginate(session, statement, limit, offset)


def record_upload(session: Session, upload: Upload) -> UploadResult:
    """Create or update the workflow and make the snapshot of ``upload`` its current one.

    Content the workflow already had (same hash) reuses that snapshot instead of adding one.
    """
    workflow = session.scalar(
        select(Workflow).where(Workflow.namespace == upload.namespace, Workflow.name == upload.name)
    )
    if workflow is None:
        workflow = Workflow(namespace=upload.namespace, name=upload.name, content=upload.content)
        session.add(workflow)
        session.flush()
    snapshot = session.scalar(
        select(WorkflowSnapshot).where(
            WorkflowSnapshot.workflow_id == workflow.id, WorkflowSnapshot.content_hash == upload.content_hash
        )
    )
    if snapshot is None:
        snapshot = WorkflowSnapshot(
            workflow_id=workflow.id,
            plan=upload.plan,
            uri=upload.uri,
            entry=upload.entry,
            task_names=upload.task_names,
            content_hash=upload.content_hash,
        )
        session.add(snapshot)
        session.flush()
    changed = workflow.snapshot_id != snapshot.id
    if changed:
        workflow.snapshot_id = snapshot.id
        workflow.content = upload.content
        session.flush()
    return UploadResult(workflow, snapshot, changed)


def delete_workflow(session: Session, workflow: Workflow) -> None:
    """Delete ``workflow`` with everything attached to it; refused while an execution is unfinished."""
    if has_unfinished_executions(session, workflow.id):
        raise ConflictError(
            f"workflow {workflow.name!r} has unfinished executions; stop them before deleting it"
        )
    session.delete(workflow)


def current_snapshot(session: Session, workflow: Workflow) -> WorkflowSnapshot | None:
    """Return the snapshot new executions of ``workflow`` run, or None before any upload."""
    return session.get(WorkflowSnapshot, workflow.snapshot_id) if workflow.snapshot_id else None


def get_snapshot(session: Session, snapshot_id: int) -> WorkflowSnapshot:
    """Return the snapshot with id ``snapshot_id``."""
    snapshot = session.get(WorkflowSnapshot, snapshot_id)
    if snapshot is None:
        raise NotFoundError(f"snapshot {snapshot_id} does not exist")
    return snapshot


def list_snapshots(session: Session, workflow_id: int, limit: int, offset: int) -> Page[WorkflowSnapshot]:
    """Return the snapshots of a workflow, oldest first."""
    statement = (
        select(WorkflowSnapshot).where(WorkflowSnapshot.workflow_id == workflow_id).order_by(WorkflowSnapshot.id)
    )
    return paginate(session, statement, limit, offset)


def delete_snapshot(session: Session, workflow: Workflow, snapshot: WorkflowSnapshot) -> None:
    """Delete an old snapshot of ``workflow`` together with its finished executions.

    Raises:
        ConflictError: it is the workflow's current snapshot, or one of its executions has not finished.
    """
    if snapshot.id == workflow.snapshot_id:
        raise ConflictError(
            f"snapshot {snapshot.id} is the current version of workflow {workflow.name!r}; "
            "upload another version or delete the workflow"
        )
    _refuse_unfinished(session, workflow, [snapshot.id])
    session.delete(snapshot)


def delete_old_snapshots(session: Session, workflow: Workflow) -> int:
    """Delete every snapshot of ``workflow`` but its current one, with their finished executions.

    Returns:
        How many snapshots were deleted.

    Raises:
        ConflictError: an execution of one of them has not finished.
    """
    old = list(
        session.scalars(
            select(WorkflowSnapshot.id).where(
                WorkflowSnapshot.workflow_id == workflow.id, WorkflowSnapshot.id != workflow.snapshot_id
            )
        )
    )
    _refuse_unfinished(session, workflow, old)
    session.execute(delete(WorkflowSnapshot).where(WorkflowSnapshot.id.in_(old)))
    return len(old)


def snapshot_hashes(session: Session, workflow: Workflow) -> list[str]:
    """Return the content hashes of every snapshot of ``workflow``."""
    statement = select(WorkflowSnapshot.content_hash).where(WorkflowSnapshot.workflow_id == workflow.id)
    return list(session.scalars(statement))


def unreferenced_hashes(session: Session, content_hashes: Collection[str]) -> list[str]:
    """Return those of ``content_hashes`` that no snapshot (of any workflow) has."""
    referenced = set(session.scalars(
        select(WorkflowSnapshot.content_hash).where(WorkflowSnapshot.content_hash.in_(set(content_hashes)))
    ))
    return sorted(set(content_hashes) - referenced)


def _refuse_unfinished(session: Session, workflow: Workflow, snapshot_ids: list[int]) -> None:
    if has_unfinished_executions(session, workflow.id, snapshot_ids):
        raise ConflictError(
            f"workflow {workflow.name!r} has unfinished executions of the snapshots to delete; stop them first"
        )
