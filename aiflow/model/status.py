"""The lifecycle states of task and workflow executions."""

from __future__ import annotations

from enum import Enum


class TaskStatus(str, Enum):
    """Where a task execution is in its lifecycle.

    ``INIT`` (created, not yet handed to a worker queue), ``QUEUED`` (waiting for
    a worker), ``RUNNING``, ``STOPPING`` (a stop was requested), ``RETRYING``
    (failed with retries left), and the final ``SUCCESS``, ``FAILED`` and
    ``STOPPED``.
    """

    INIT = "INIT"
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    RETRYING = "RETRYING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @property
    def is_finished(self) -> bool:
        """Whether the execution has ended and will not change again."""
        return self in _FINISHED_TASK_STATUSES


class WorkflowStatus(str, Enum):
    """Where a workflow execution is in its lifecycle."""

    INIT = "INIT"
    RUNNING = "RUNNING"
    SUCCESS = "SUCCESS"
    FAILED = "FAILED"
    STOPPED = "STOPPED"

    @property
    def is_finished(self) -> bool:
        """Whether the execution has ended and will not change again."""
        return self in _FINISHED_WORKFLOW_STATUSES


_FINISHED_TASK_STATUSES = frozenset({TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.STOPPED})
_FINISHED_WORKFLOW_STATUSES = frozenset(
    {WorkflowStatus.SUCCESS, WorkflowStatus.FAILED, WorkflowStatus.STOPPED}
)
