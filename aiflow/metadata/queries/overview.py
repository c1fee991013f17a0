"""What the web UI's pages show at a glance: a namespace's workflows with their schedules, triggers and
latest executions, a namespace's executions filtered and paged, and the latest try of each task.

Each function is a fixed, small number of indexed queries whatever the page's size, so pages stay fast
with thousands of executions and tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow, WorkflowEventTrigger, WorkflowSchedule
from aiflow.metadata.executions import TaskExecution, TaskTimelineStep, WorkflowExecution
from aiflow.metadata.queries.paging import Page, paginate
from aiflow.model.status import TaskStatus

RECENT_EXECUTIONS = 5


@dataclass
class WorkflowSummary:
    """A workflow with its schedules, triggers and :data:`RECENT_EXECUTIONS` latest executions (newest first)."""

    workflow: Workflow
    schedules: list[WorkflowSchedule] = field(default_factory=list)
    triggers: list[WorkflowEventTrigger] = field(default_factory=list)
    recent: list[WorkflowExecution] = field(default_factory=list)


def workflow_summaries(session: Session, namespace: str, limit: int, offset: int) -> Page[WorkflowSummary]:
    """Return a page of the namespace's workflows by name, each with what :class:`WorkflowSummary` holds."""
    page = paginate(session, select(Workflow).where(Workflow.namespace == namespace).order_by(Workflow.name),
                    limit, offset)
    return Page(summarise(session, page.items), page.total)


def summarise(session: Session, workflows: Sequence[Workflow]) -> list[WorkflowSummary]:
    """Return the summary of each workflow, in the same order (three queries in all)."""
    summaries = {workflow.id: WorkflowSummary(workflow) for workflow in workflows}
    ids = list(summaries)
    if ids:
        for schedule in session.scalars(select(WorkflowSchedule).where(WorkflowSchedule.workflow_id.in_(ids))
                                        .order_by(WorkflowSchedule.id)):
            summaries[schedule.workflow_id].schedules.append(schedule)
        for trigger in session.scalars(select(WorkflowEventTrigger).where(WorkflowEventTrigger.workflow_id.in_(ids))
                                       .order_by(WorkflowEventTrigger.id)):
            summaries[trigger.workflow_id].triggers.append(trigger)
        for execution in _recent_executions(session, ids):
            summaries[execution.workflow_id].recent.append(execution)
    return list(summaries.values())


def _recent_executions(session: Session, workflow_ids: Sequence[int]) -> list[WorkflowExecution]:
    rank = func.row_number().over(partition_by=WorkflowExecution.workflow_id,
                                  order_by=WorkflowExecution.id.desc()).label("rank")
    ranked = select(WorkflowExecution.id, rank).where(WorkflowExecution.workflow_id.in_(workflow_ids)).subquery()
    chosen = select(ranked.c.id).where(ranked.c.rank <= RECENT_EXECUTIONS)
    return list(session.scalars(select(WorkflowExecution).where(WorkflowExecution.id.in_(chosen))
                                .order_by(WorkflowExecution.id.desc())))


def namespace_executions(session: Session, namespace: str, limit: int, offset: int, *, status: str | None = None,
                         execution_type: str | None = None, workflow_name: str | None = None
                         ) -> Page[tuple[WorkflowExecution, str]]:
    """Return a page of the namespace's executions, newest first, with their workflow's name."""
    statement = (select(WorkflowExecution, Workflow.name).join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
                 .where(Workflow.namespace == namespace).order_by(WorkflowExecution.id.desc()))
    if status:
        statement = statement.where(WorkflowExecution.status == status)
    if execution_type:
        statement = statement.where(WorkflowExecution.execution_type == execution_type)
    if workflow_name:
        statement = statement.where(Workflow.name == workflow_name)
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    rows = session.execute(statement.limit(limit).offset(offset))
    return Page([(execution, name) for execution, name in rows], total)


@dataclass(frozen=True)
class TaskHistory:
    """A task's latest execution and every sequence it ran, oldest first."""

    latest: TaskExecution
    sequences: list[TaskExecution]


def task_histories(session: Session, workflow_execution_id: int, task_names: Sequence[str] | None = None
                   ) -> dict[str, TaskHistory]:
    """Return the history of each task that ran in the execution (of ``task_names`` only, when given)."""
    statement = select(TaskExecution).where(TaskExecution.workflow_execution_id == workflow_execution_id)
    if task_names is not None:
        statement = statement.where(TaskExecution.task_name.in_(task_names))
    runs: dict[str, list[TaskExecution]] = {}
    for task_execution in session.scalars(statement.order_by(TaskExecution.id)):
        runs.setdefault(task_execution.task_name, []).append(task_execution)
    return {name: TaskHistory(max(sequences, key=lambda run: run.sequence_number), sequences)
            for name, sequences in runs.items()}


@dataclass
class WorkerActivity:
    """A worker that claimed tries of a namespace lately: when it last did, and the tries it runs now."""

    name: str
    last_claim: datetime
    running: list[TaskExecution] = field(default_factory=list)


WORKER_WINDOW = timedelta(hours=24)
"""How far back :func:`running_by_worker` looks for claims."""
MAX_CLAIMS = 5000


def running_by_worker(session: Session, namespace: str, now: datetime | None = None) -> list[WorkerActivity]:
    """Return the workers that claimed a try of ``namespace`` within :data:`WORKER_WINDOW`, by name.

    A claim is a RUNNING step of the timeline, which names the worker; at most :data:`MAX_CLAIMS` of the
    newest are read.
    """
    since = (now or datetime.now(UTC)) - WORKER_WINDOW
    claims = session.execute(
        select(TaskTimelineStep.worker, TaskTimelineStep.at, TaskTimelineStep.try_number, TaskExecution)
        .join(TaskExecution, TaskExecution.id == TaskTimelineStep.task_execution_id)
        .join(WorkflowExecution, WorkflowExecution.id == TaskExecution.workflow_execution_id)
        .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
        .where(Workflow.namespace == namespace, TaskTimelineStep.status == TaskStatus.RUNNING.value,
               TaskTimelineStep.worker.is_not(None), TaskTimelineStep.at >= since)
        .order_by(TaskTimelineStep.id.desc()).limit(MAX_CLAIMS)
    )
    workers: dict[str, WorkerActivity] = {}
    for worker, at, try_number, task_execution in claims:
        assert worker is not None  # selected so
        activity = workers.setdefault(worker, WorkerActivity(worker, at))
        live = task_execution.status in (TaskStatus.RUNNING.value, TaskStatus.STOPPING.value)
        if live and task_execution.try_number == try_number and task_execution not in activity.running:
            activity.running.append(task_execution)
    return sorted(workers.values(), key=lambda activity: activity.name)
