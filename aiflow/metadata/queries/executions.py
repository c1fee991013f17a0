"""Workflow and task executions, as the API server reads them and creates them (status INIT)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, insert, literal, select, update
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError, NotFoundError
from aiflow.metadata.column_types import UTCDateTime, clipped
from aiflow.metadata.definitions import Workflow
from aiflow.metadata.executions import CAUSE_LENGTH, TaskExecution, TaskTimelineStep, WorkflowExecution
from aiflow.metadata.queries.paging import Page, paginate
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.timeline import TimelineStep

_FINISHED = [status.value for status in WorkflowStatus if status.is_finished]
_LIVE_TASK = [status.value for status in TaskStatus if not status.is_finished]


def create_execution(
    session: Session, workflow: Workflow, execution_type: ExecutionType = ExecutionType.MANUAL
) -> WorkflowExecution:
    """Create an INIT execution of ``workflow`` pinned to its current snapshot.

    Raises:
        ConflictError: the workflow is disabled or has no snapshot.
    """
    if not workflow.is_enabled:
        raise ConflictError(f"workflow {workflow.name!r} is disabled; enable it to start executions")
    if workflow.snapshot_id is None:
        raise ConflictError(f"workflow {workflow.name!r} has no uploaded snapshot")
    execution = WorkflowExecution(
        workflow_id=workflow.id,
        snapshot_id=workflow.snapshot_id,
        execution_type=execution_type.value,
        status=WorkflowStatus.INIT.value,
    )
    session.add(execution)
    session.flush()
    return execution


def discard_unstarted_execution(session: Session, execution_id: int) -> bool:
    """Delete execution ``execution_id`` if it is still INIT; return whether it was.

    For the API server, when the start command of an execution it just created
    could not be published: an execution the scheduler has begun is kept.
    """
    statement = delete(WorkflowExecution).where(
        WorkflowExecution.id == execution_id, WorkflowExecution.status == WorkflowStatus.INIT.value
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def get_execution(session: Session, execution_id: int) -> WorkflowExecution:
    """Return the workflow execution with id ``execution_id``."""
    execution = session.get(WorkflowExecution, execution_id)
    if execution is None:
        raise NotFoundError(f"workflow execution {execution_id} does not exist")
    return execution


def list_executions(session: Session, workflow_id: int, limit: int, offset: int) -> Page[WorkflowExecution]:
    """Return the executions of a workflow, oldest first."""
    statement = (
        select(WorkflowExecution).where(WorkflowExecution.workflow_id == workflow_id).order_by(WorkflowExecution.id)
    )
    return paginate(session, statement, limit, offset)


def delete_execution(session: Session, execution: WorkflowExecution) -> None:
    """Delete a finished execution with its task executions and their timelines (the tables cascade)."""
    if execution.status not in _FINISHED:
        raise ConflictError(
            f"workflow execution {execution.id} is {execution.status}; only finished executions can be deleted"
        )
    session.delete(execution)


def has_unfinished_executions(
    session: Session, workflow_id: int, snapshot_ids: Collection[int] | None = None
) -> bool:
    """Return whether any execution of the workflow (running one of ``snapshot_ids``, if given) has not finished."""
    conditions = [WorkflowExecution.workflow_id == workflow_id, WorkflowExecution.status.not_in(_FINISHED)]
    if snapshot_ids is not None:
        conditions.append(WorkflowExecution.snapshot_id.in_(snapshot_ids))
    return bool(session.scalar(select(exists().where(*conditions))))


def get_task_execution(session: Session, task_execution_id: int) -> TaskExecution:
    """Return the task execution with id ``task_execution_id``."""
    task_execution = session.get(TaskExecution, task_execution_id)
    if task_execution is None:
        raise NotFoundError(f"task execution {task_execution_id} does not exist")
    return task_execution


@dataclass(frozen=True)
class CurrentTry:
    """A task execution's current try, with the namespace and workflow execution it belongs to."""

    namespace: str
    workflow_execution_id: int
    task_name: str
    try_number: int
    status: TaskStatus


def current_try(session: Session, task_execution_id: int) -> CurrentTry | None:
    """Return the current try of task execution ``task_execution_id``; None when there is no such execution."""
    row = session.execute(
        select(Workflow.namespace, TaskExecution.workflow_execution_id, TaskExecution.task_name,
               TaskExecution.try_number, TaskExecution.status)
        .join(WorkflowExecution, WorkflowExecution.id == TaskExecution.workflow_execution_id)
        .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
        .where(TaskExecution.id == task_execution_id)
    ).one_or_none()
    if row is None:
        return None
    return CurrentTry(row[0], row[1], row[2], row[3], TaskStatus(row[4]))


def list_task_executions(
    session: Session, workflow_execution_id: int, limit: int, offset: int
) -> Page[TaskExecution]:
    """Return the task executions of a workflow execution in creation order."""
    statement = (
        select(TaskExecution)
        .where(TaskExecution.workflow_execution_id == workflow_execution_id)
        .order_by(TaskExecution.id)
    )
    return paginate(session, statement, limit, offset)


def fail_execution_rows(session: Session, execution_id: int, error: str, now: datetime) -> None:
    """Fail an execution and its live tasks with plain updates (for the scheduler, when even loading it fails).

    Each task failed gets a ``status`` step on its timeline, with the error as cause.
    """
    live = select(TaskExecution.id, TaskExecution.try_number, literal(TimelineStep.STATUS.value),
                  literal(TaskStatus.FAILED.value), literal(now, UTCDateTime()), literal(clipped(error, CAUSE_LENGTH))
                  ).where(TaskExecution.workflow_execution_id == execution_id, TaskExecution.status.in_(_LIVE_TASK))
    session.execute(insert(TaskTimelineStep).from_select(
        ["task_execution_id", "try_number", "step", "status", "at", "cause"], live.order_by(TaskExecution.id)))
    session.execute(update(TaskExecution).where(TaskExecution.workflow_execution_id == execution_id,
                                                TaskExecution.status.in_(_LIVE_TASK))
                    .values(status=TaskStatus.FAILED.value, error=error, end_date=now))
    session.execute(update(WorkflowExecution).where(WorkflowExecution.id == execution_id)
                    .values(status=WorkflowStatus.FAILED.value, error=error, end_date=now))


def unfinished_execution_ids(session: Session, workflow_id: int) -> list[int]:
    """Return the ids of a workflow's executions that are INIT or RUNNING, oldest first."""
    query = select(WorkflowExecution.id).where(
        WorkflowExecution.workflow_id == workflow_id,
        WorkflowExecution.status.in_([WorkflowStatus.INIT.value, WorkflowStatus.RUNNING.value]),
    )
    return list(session.scalars(query.order_by(WorkflowExecution.id)))
