"""What the engine knows of one workflow execution while it applies an event."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow

#: Task statuses in which a task execution still holds its place: a START does nothing then.
LIVE_TASK_STATUSES = frozenset(
    {TaskStatus.INIT, TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.STOPPING, TaskStatus.RETRYING}
)


@dataclass(frozen=True)
class TaskRun:
    """The latest execution of one task: its sequence number, current try and status."""

    id: int
    task_name: str
    sequence_number: int
    try_number: int
    status: TaskStatus

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_TASK_STATUSES

    def with_status(self, status: TaskStatus) -> TaskRun:
        return replace(self, status=status)


@dataclass
class ExecutionView:
    """One workflow execution as the engine sees it.

    Args:
        workflow: the execution's pinned workflow (from its snapshot).
        latest: the latest :class:`TaskRun` of every task that has run.
        rule_state: durable state of the task rules, ``"<task>/<rule index>"`` to a dict of
            state name to value; the engine changes it in place.
        stop_requested: a stop command arrived; the execution ends STOPPED once no task is live.
    """

    id: int
    namespace: str
    workflow: Workflow
    status: WorkflowStatus
    latest: dict[str, TaskRun] = field(default_factory=dict)
    rule_state: dict[str, dict[str, Any]] = field(default_factory=dict)
    stop_requested: bool = False

    def task_statuses(self) -> dict[str, TaskStatus]:
        """Return the status of each task's latest execution."""
        return {name: run.status for name, run in self.latest.items()}
