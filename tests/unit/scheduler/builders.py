"""Building workflows, views and events for the engine's tests."""

from __future__ import annotations

from itertools import count

from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.scheduler.engine.view import ExecutionView, TaskRun
from aiflow.status_events import TaskStatusReport
from notification.event import Event

EXECUTION_ID = 7
_offsets = count(1)


def view_of(workflow: Workflow, status: WorkflowStatus = WorkflowStatus.RUNNING,
            **runs: TaskStatus) -> ExecutionView:
    """An execution of ``workflow`` whose tasks' latest runs have the given statuses (ids 101, 102, ...)."""
    latest = {name: TaskRun(100 + i, name, 1, 1, status) for i, (name, status) in enumerate(runs.items(), 1)}
    return ExecutionView(EXECUTION_ID, "default", workflow, status, latest)


def report(view: ExecutionView, task: str, status: TaskStatus, execution_id: int = EXECUTION_ID,
           error: str | None = None) -> Event:
    """The event a worker sends when the latest try of ``task`` reaches ``status``."""
    run = view.latest[task]
    event = TaskStatusReport("default", execution_id, task, run.id, run.try_number, status, error).to_event("w")
    event.offset = next(_offsets)
    return event


def user_event(key: str, value: str | None = None) -> Event:
    return Event(key=key, value=value, offset=next(_offsets))
