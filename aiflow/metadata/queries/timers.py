"""What the scheduler's chores look up: active schedules, periodic tasks, retries and running tries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow, WorkflowSchedule
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import PeriodicTaskTick
from aiflow.model.status import TaskStatus, WorkflowStatus


@dataclass(frozen=True)
class ActiveSchedule:
    id: int
    namespace: str
    expression: str
    last_due: datetime  # the last tick applied, or when the schedule was created


@dataclass(frozen=True)
class TaskTry:
    """One try of a task execution, with where it belongs."""

    workflow_execution_id: int
    namespace: str
    snapshot_id: int
    task_name: str
    task_execution_id: int
    try_number: int
    status: TaskStatus
    since: datetime | None  # begin date (running, stopping) or end date (retrying)


def active_schedules(session: Session) -> list[ActiveSchedule]:
    """Return the schedules in play: unpaused, not broken, of enabled workflows that have a snapshot."""
    rows = session.execute(
        select(WorkflowSchedule, Workflow.namespace)
        .join(Workflow, Workflow.id == WorkflowSchedule.workflow_id)
        .where(WorkflowSchedule.is_paused.is_(False), WorkflowSchedule.error.is_(None), Workflow.is_enabled.is_(True),
               Workflow.snapshot_id.is_not(None))
    )
    return [
        ActiveSchedule(schedule.id, namespace, schedule.expression, schedule.last_due_time or schedule.create_time)
        for schedule, namespace in rows
    ]


def tries_in_status(session: Session, statuses: Collection[TaskStatus], *,
                    running_executions_only: bool = True) -> list[TaskTry]:
    """Return the current tries of task executions in ``statuses`` (of running executions, unless told)."""
    query = (
        select(TaskExecution, WorkflowExecution.snapshot_id, Workflow.namespace)
        .join(WorkflowExecution, WorkflowExecution.id == TaskExecution.workflow_execution_id)
        .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
        .where(TaskExecution.status.in_([status.value for status in statuses]))
    )
    if running_executions_only:
        query = query.where(WorkflowExecution.status == WorkflowStatus.RUNNING.value)
    tries = []
    for task, snapshot_id, namespace in session.execute(query):
        status = TaskStatus(task.status)
        since = task.end_date if status == TaskStatus.RETRYING else task.begin_date
        tries.append(TaskTry(task.workflow_execution_id, namespace, snapshot_id, task.task_name, task.id,
                             task.try_number, status, since))
    return tries


def running_executions(session: Session) -> list[tuple[WorkflowExecution, str]]:
    """Return the running executions with their namespaces."""
    rows = session.execute(
        select(WorkflowExecution, Workflow.namespace)
        .join(Workflow, Workflow.id == WorkflowExecution.workflow_id)
        .where(WorkflowExecution.status == WorkflowStatus.RUNNING.value)
    )
    return [(execution, namespace) for execution, namespace in rows]


def periodic_last_due(session: Session, execution_id: int) -> dict[str, datetime]:
    """Return the due time of the last firing applied to each periodic task of an execution."""
    rows = session.scalars(select(PeriodicTaskTick).where(PeriodicTaskTick.workflow_execution_id == execution_id))
    return {row.task_name: row.last_due_time for row in rows}


def record_periodic_due(session: Session, execution_id: int, task_name: str, due: datetime) -> bool:
    """Store ``due`` as the task's last firing; return False if it is not newer than the stored one."""
    row = session.get(PeriodicTaskTick, (execution_id, task_name))
    if row is None:
        session.add(PeriodicTaskTick(workflow_execution_id=execution_id, task_name=task_name, last_due_time=due))
        return True
    if due <= row.last_due_time:
        return False
    row.last_due_time = due
    return True


def claim_schedule_tick(session: Session, schedule_id: int, due: datetime) -> int | None:
    """Record a schedule tick as applied; return its workflow id, or None when it must not fire.

    A tick does not fire when it is not newer than the last one applied, or
    when the schedule was paused, broken or deleted since it was published.
    """
    schedule = session.get(WorkflowSchedule, schedule_id)
    if schedule is None or schedule.is_paused or schedule.error is not None:
        return None
    if schedule.last_due_time is not None and due <= schedule.last_due_time:
        return None
    schedule.last_due_time = due
    return schedule.workflow_id
