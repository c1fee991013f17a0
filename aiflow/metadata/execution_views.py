"""Loading what the scheduler's engine needs from the database: execution views and rule state."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Any

import cloudpickle
from sqlalchemy import select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.definitions import WorkflowSnapshot
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import WorkflowExecutionRuleState
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.scheduler.engine.view import ExecutionView, TaskRun


class SnapshotCache:
    """Unpickled workflows by snapshot id; snapshots never change, so entries never go stale."""

    def __init__(self, capacity: int = 512) -> None:
        self._workflows: dict[int, Workflow] = {}
        self._capacity = capacity

    def workflow(self, session: Session, snapshot_id: int) -> Workflow:
        """Return the workflow of ``snapshot_id``, unpickling it the first time."""
        cached = self._workflows.get(snapshot_id)
        if cached is None:
            if len(self._workflows) >= self._capacity:
                self._workflows.pop(next(iter(self._workflows)))
            blob = session.scalars(select(WorkflowSnapshot.workflow_object).where(WorkflowSnapshot.id == snapshot_id))
            cached = self._workflows[snapshot_id] = cloudpickle.loads(blob.one())
        return cached


@dataclass
class LoadedExecution:
    """An execution's view and the rows it was read from (kept so the session does not reload them)."""

    view: ExecutionView
    row: WorkflowExecution
    tasks: dict[int, TaskExecution]


def load_view(session: Session, execution_id: int, snapshots: SnapshotCache) -> ExecutionView | None:
    """Return the view of one workflow execution, or None if it does not exist."""
    loaded = load_execution(session, execution_id, snapshots)
    return loaded.view if loaded else None


def load_execution(session: Session, execution_id: int, snapshots: SnapshotCache) -> LoadedExecution | None:
    """Return one workflow execution's view with its rows, or None if it does not exist."""
    row = session.get(WorkflowExecution, execution_id)
    if row is None:
        return None
    namespace = session.scalars(select(WorkflowRow.namespace).where(WorkflowRow.id == row.workflow_id)).one()
    tasks = list(session.scalars(
        select(TaskExecution).where(TaskExecution.workflow_execution_id == execution_id)
        .order_by(TaskExecution.sequence_number)
    ))
    view = ExecutionView(
        id=row.id,
        namespace=namespace,
        workflow=snapshots.workflow(session, row.snapshot_id),
        status=WorkflowStatus(row.status),
        latest={t.task_name: TaskRun(t.id, t.task_name, t.sequence_number, t.try_number, TaskStatus(t.status))
                for t in tasks},
        rule_state=load_rule_state(session, execution_id),
        stop_requested=row.stop_requested,
    )
    return LoadedExecution(view, row, {task.id: task for task in tasks})


def running_execution_ids(session: Session) -> list[int]:
    """Return the ids of the executions in progress, oldest first."""
    query = select(WorkflowExecution.id).where(WorkflowExecution.status == WorkflowStatus.RUNNING.value)
    return list(session.scalars(query.order_by(WorkflowExecution.id)))


def load_rule_state(session: Session, execution_id: int) -> dict[str, dict[str, Any]]:
    """Return the durable state of an execution's task rules, by ``"<task>/<rule index>"``."""
    rows = session.scalars(
        select(WorkflowExecutionRuleState).where(WorkflowExecutionRuleState.workflow_execution_id == execution_id)
    )
    return {row.name: pickle.loads(row.value) if row.value else {} for row in rows}

