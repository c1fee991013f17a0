"""Loading what the scheduler's engine needs from the database: execution views and rule state."""

from __future__ import annotations

import pickle
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cloudpickle
from sqlalchemy import BindParameter, and_, bindparam, func, select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.definitions import WorkflowSnapshot
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import WorkflowExecutionRuleState
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.scheduler.engine.view import ExecutionView, TaskRun

IN_CHUNK = 500
"""Most ids in one ``IN`` list, well under every backend's limit on bound parameters."""

# The statements that load executions, built once: building them costs more than running them.
_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)
_EXECUTIONS = (
    select(WorkflowExecution, WorkflowRow.namespace, WorkflowRow.name)
    .join(WorkflowRow, WorkflowRow.id == WorkflowExecution.workflow_id)
    .where(WorkflowExecution.id.in_(_IDS))
    .order_by(WorkflowExecution.id)
)
_LATEST = (  # the highest sequence number of each task of each execution
    select(TaskExecution.workflow_execution_id, TaskExecution.task_name,
           func.max(TaskExecution.sequence_number).label("sequence_number"))
    .where(TaskExecution.workflow_execution_id.in_(_IDS))
    .group_by(TaskExecution.workflow_execution_id, TaskExecution.task_name)
    .subquery()
)
_LATEST_TASKS = select(TaskExecution).join(_LATEST, and_(
    TaskExecution.workflow_execution_id == _LATEST.c.workflow_execution_id,
    TaskExecution.task_name == _LATEST.c.task_name,
    TaskExecution.sequence_number == _LATEST.c.sequence_number,
)).order_by(TaskExecution.sequence_number, TaskExecution.id)
_RULE_STATES = select(WorkflowExecutionRuleState).where(WorkflowExecutionRuleState.workflow_execution_id.in_(_IDS))


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
    workflow_name: str


def load_executions(session: Session, execution_ids: Iterable[int],
                    snapshots: SnapshotCache) -> dict[int, LoadedExecution]:
    """Return the views of the workflow executions that exist among ``execution_ids``, with their rows.

    One query per kind of row (in chunks of :data:`IN_CHUNK` ids), whatever the number of executions.
    Only the latest task execution of each task is loaded: the engine decides about nothing older.
    """
    loaded: dict[int, LoadedExecution] = {}
    wanted = sorted(set(execution_ids))
    for start in range(0, len(wanted), IN_CHUNK):
        loaded |= _load_chunk(session, wanted[start:start + IN_CHUNK], snapshots)
    return loaded


def _load_chunk(session: Session, ids: list[int], snapshots: SnapshotCache) -> dict[int, LoadedExecution]:
    rows = session.execute(_EXECUTIONS, {"ids": ids}).all()
    tasks: dict[int, list[TaskExecution]] = defaultdict(list)
    for task in session.scalars(_LATEST_TASKS, {"ids": ids}):
        tasks[task.workflow_execution_id].append(task)
    states = _rule_states(session, ids)
    loaded = {}
    for row, namespace, workflow_name in rows:
        latest = tasks.get(row.id, [])
        view = ExecutionView(
            id=row.id,
            namespace=namespace,
            workflow=snapshots.workflow(session, row.snapshot_id),
            status=WorkflowStatus(row.status),
            latest={t.task_name: TaskRun(t.id, t.task_name, t.sequence_number, t.try_number, TaskStatus(t.status))
                    for t in latest},
            rule_state=states.get(row.id, {}),
            stop_requested=row.stop_requested,
        )
        loaded[row.id] = LoadedExecution(view, row, {task.id: task for task in latest}, workflow_name)
    return loaded


def running_executions(session: Session) -> list[tuple[int, str, int]]:
    """Return the executions in progress as (id, namespace, snapshot id), oldest first."""
    query = (
        select(WorkflowExecution.id, WorkflowRow.namespace, WorkflowExecution.snapshot_id)
        .join(WorkflowRow, WorkflowRow.id == WorkflowExecution.workflow_id)
        .where(WorkflowExecution.status == WorkflowStatus.RUNNING.value)
        .order_by(WorkflowExecution.id)
    )
    return [(execution_id, namespace, snapshot_id) for execution_id, namespace, snapshot_id in session.execute(query)]


def load_rule_state(session: Session, execution_id: int) -> dict[str, dict[str, Any]]:
    """Return the durable state of an execution's task rules, by ``"<task>/<rule index>"``."""
    return _rule_states(session, [execution_id]).get(execution_id, {})


def _rule_states(session: Session, ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    rows = session.scalars(_RULE_STATES, {"ids": ids})
    states: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        states[row.workflow_execution_id][row.name] = pickle.loads(row.value) if row.value else {}
    return states
