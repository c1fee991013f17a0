"""What the engine knows of one workflow execution while it applies an event."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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


class TaskRuns(dict[str, TaskRun]):
    """The latest run of each task, counting the live ones as runs are set (so no question scans them all)."""

    def __init__(self, runs: Mapping[str, TaskRun] | None = None) -> None:
        super().__init__()
        self.live = 0
        for name, run in (runs or {}).items():
            self[name] = run

    def __setitem__(self, name: str, run: TaskRun) -> None:
        previous = self.get(name)
        self.live += run.is_live - (previous is not None and previous.is_live)
        super().__setitem__(name, run)

    def restore(self, name: str, run: TaskRun | None) -> None:
        """Put back ``run`` as the task's latest run, or forget the task if it had none."""
        if run is not None:
            self[name] = run
        elif (previous := self.pop(name, None)) is not None:
            self.live -= previous.is_live


class TaskStatuses(Mapping[str, TaskStatus]):
    """The status of each task's latest run, read through to the runs as they change."""

    def __init__(self, runs: Mapping[str, TaskRun]) -> None:
        self._runs = runs

    def __getitem__(self, name: str) -> TaskStatus:
        return self._runs[name].status

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)


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
    latest: TaskRuns = field(default_factory=TaskRuns)
    rule_state: dict[str, bytes] = field(default_factory=dict)
    stop_requested: bool = False
    broken: str | None = None

    @property
    def has_live_task(self) -> bool:
        return self.latest.live > 0

    def task_statuses(self) -> TaskStatuses:
        """Return the status of each task's latest execution (a live view of :attr:`latest`)."""
        return TaskStatuses(self.latest)
