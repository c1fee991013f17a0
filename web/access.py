"""Loading what a request names, after checking the caller may access its namespace.

Objects named by namespace and name answer 403 for a namespace outside the
token's scope; objects named by id answer 404, so their ids stay hidden.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aiflow.metadata import TaskExecution, Workflow, WorkflowExecution, WorkflowSnapshot
from aiflow.metadata.queries.executions import get_execution, get_task_execution
from aiflow.metadata.queries.workflows import get_snapshot, get_workflow, get_workflow_by_id
from web.auth import require_namespace


def workflow_named(session: Session, namespace: str, name: str) -> Workflow:
    """Return the workflow ``namespace``/``name``."""
    require_namespace(namespace)
    return get_workflow(session, namespace, name)


def owning_workflow(session: Session, workflow_id: int, what: str) -> Workflow:
    """Return the workflow ``what`` (say ``"snapshot 3"``) belongs to; 404 outside the caller's scope."""
    workflow = get_workflow_by_id(session, workflow_id)
    require_namespace(workflow.namespace, not_found=f"{what} does not exist")
    return workflow


def snapshot_with_id(session: Session, snapshot_id: int) -> tuple[WorkflowSnapshot, Workflow]:
    """Return the snapshot ``snapshot_id`` and its workflow."""
    snapshot = get_snapshot(session, snapshot_id)
    return snapshot, owning_workflow(session, snapshot.workflow_id, f"snapshot {snapshot_id}")


def execution_with_id(session: Session, execution_id: int) -> tuple[WorkflowExecution, Workflow]:
    """Return the workflow execution ``execution_id`` and its workflow."""
    execution = get_execution(session, execution_id)
    return execution, owning_workflow(session, execution.workflow_id, f"workflow execution {execution_id}")


def task_execution_with_id(session: Session, task_execution_id: int) -> TaskExecution:
    """Return the task execution ``task_execution_id``, checking the caller may see its workflow."""
    task_execution = get_task_execution(session, task_execution_id)
    execution = get_execution(session, task_execution.workflow_execution_id)
    owning_workflow(session, execution.workflow_id, f"task execution {task_execution_id}")
    return task_execution
