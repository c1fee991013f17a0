"""Loading what the scheduler's engine needs from the database: execution views and rule state.

An execution whose plan cannot be read still gets a view (with an empty plan and ``broken`` set),
so the scheduler can take it out of play instead of failing on it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import BindParameter, and_, bindparam, func, select, union
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import WorkflowExecutionRuleState
from aiflow.metadata.session import IN_CHUNK
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.plan import PlanError, WorkflowPlan
from aiflow.scheduler.engine.view import LIVE_TASK_STATUSES, ExecutionView, TaskRun, TaskRuns
from aiflow.scheduler.plans import PlanCache

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
_LATEST_TASKS = select(  # columns, not rows: an execution's thousands of tasks are read per transaction
    TaskExecution.workflow_execution_id, TaskExecution.id, TaskExecution.task_name,
    TaskExecution.sequence_number, TaskExecution.try_number, TaskExecution.status,
).join(_LATEST, and_(
    TaskExecution.workflow_execution_id == _LATEST.c.workflow_execution_id,
    TaskExecution.task_name == _LATEST.c.task_name,
    TaskExecution.sequence_number == _LATEST.c.sequence_number,
)).order_by(TaskExecution.sequence_number, TaskExecution.id)
_RULE_STATES = select(WorkflowExecutionRuleState).where(WorkflowExecutionRuleState.workflow_execution_id.in_(_IDS))


@dataclass
class LoadedExecution:
    """An execution's view and its row (a task's row is read only when a decision changes it)."""

    view: ExecutionView
    row: WorkflowExecution
    workflow_name: str


def load_executions(session: Session, execution_ids: Iterable[int], plans: PlanCache) -> dict[int, LoadedExecution]:
    """Return the views of the workflow executions that exist among ``execution_ids``, with their rows.

    One query per kind of row (in chunks of :data:`IN_CHUNK` ids), whatever the number of executions.
    Only the latest task execution of each task is read: the engine decides about nothing older.
    """
    loaded: dict[int, LoadedExecution] = {}
    wanted = sorted(set(execution_ids))
    for start in range(0, len(wanted), IN_CHUNK):
        loaded |= _load_chunk(session, wanted[start:start + IN_CHUNK], plans)
    return loaded


def load_task_rows(session: Session, task_execution_ids: Iterable[int]) -> dict[int, TaskExecution]:
    """Return the rows of the task executions that exist among ``task_execution_ids``, by id."""
    wanted = sorted(set(task_execution_ids))
    rows: dict[int, TaskExecution] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start:start + IN_CHUNK]
        rows |= {row.id: row for row in session.scalars(select(TaskExecution).where(TaskExecution.id.in_(chunk)))}
    return rows


def _load_chunk(session: Session, ids: list[int], plans: PlanCache) -> dict[int, LoadedExecution]:
    rows = session.execute(_EXECUTIONS, {"ids": ids}).all()
    tasks: dict[int, TaskRuns] = defaultdict(TaskRuns)
    for execution_id, task_id, task_name, sequence_number, try_number, status in session.execute(
            _LATEST_TASKS, {"ids": ids}):
        tasks[execution_id][task_name] = TaskRun(task_id, task_name, sequence_number, try_number, TaskStatus(status))
    states = _rule_states(session, ids)
    loaded = {}
    for row, namespace, workflow_name in rows:
        plan, broken = _plan(session, plans, row.snapshot_id, workflow_name, namespace)
        view = ExecutionView(
            id=row.id,
            namespace=namespace,
            plan=plan,
            broken=broken,
            status=WorkflowStatus(row.status),
            latest=tasks.get(row.id, TaskRuns()),
            rule_state=states.get(row.id, {}),
            stop_requested=row.stop_requested,
        )
        loaded[row.id] = LoadedExecution(view, row, workflow_name)
    return loaded


def _plan(session: Session, plans: PlanCache, snapshot_id: int, name: str,
          namespace: str) -> tuple[WorkflowPlan, str | None]:
    try:
        return plans.plan(session, snapshot_id), None
    except PlanError as error:
        return WorkflowPlan(name, namespace, {}), str(error)


def routed_executions(session: Session) -> list[tuple[int, str, int]]:
    """Return the executions events may still concern, as (id, namespace, snapshot id), oldest first.

    These are the running executions and the finished ones with tasks still being stopped (their
    reports are still recorded).
    """
    live_tasks = select(TaskExecution.workflow_execution_id.label("id")).where(
        TaskExecution.status.in_([status.value for status in LIVE_TASK_STATUSES]))
    running = select(WorkflowExecution.id.label("id")).where(WorkflowExecution.status == WorkflowStatus.RUNNING.value)
    ids = union(running, live_tasks).subquery()
    query = (
        select(WorkflowExecution.id, WorkflowRow.namespace, WorkflowExecution.snapshot_id)
        .join(ids, ids.c.id == WorkflowExecution.id)
        .join(WorkflowRow, WorkflowRow.id == WorkflowExecution.workflow_id)
        .order_by(WorkflowExecution.id)
    )
    return [(execution_id, namespace, snapshot_id) for execution_id, namespace, snapshot_id in session.execute(query)]


def load_rule_state(session: Session, execution_id: int) -> dict[str, bytes]:
    """Return the durable state of an execution's task rules, by ``"<task>/<rule index>"``."""
    return _rule_states(session, [execution_id]).get(execution_id, {})


def _rule_states(session: Session, ids: list[int]) -> dict[int, dict[str, bytes]]:
    states: dict[int, dict[str, bytes]] = defaultdict(dict)
    for row in session.scalars(_RULE_STATES, {"ids": ids}):
        if row.value:
            states[row.workflow_execution_id][row.name] = row.value
    return states
