"""What the engine knows of one workflow execution while it applies an event."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.plan import WorkflowPlan

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
        plan: the plan of the execution's pinned snapshot.
        latest: the latest :class:`TaskRun` of every task that has run.
        rule_state: durable state of the task rules, ``"<task>/<rule index>"`` to opaque bytes
            (see :mod:`aiflow.plan.conditions`); the engine changes it in place.
        stop_requested: a stop command arrived; the execution ends STOPPED once no task is live.
        broken: why the execution cannot be run (its plan does not load); it is then failed.
    """

    id: int
    namespace: str
    plan: WorkflowPlan
    status: WorkflowStatus
    latest: dict[str, TaskRun] = field(default_factory=dict)
    rule_state: dict[str, bytes] = field(default_factory=dict)
    stop_requested: bool = False
    broken: str | None = None

    @property
    def has_live_task(self) -> bool:
        return any(run.is_live for run in self.latest.values())

    def task_statuses(self) -> dict[str, TaskStatus]:
        """Return the status of each task's latest execution."""
        return {name: run.status for name, run in self.latest.items()}
