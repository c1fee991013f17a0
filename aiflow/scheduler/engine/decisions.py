"""What applying an event decides; the scheduler's shell turns each into database writes and jobs.

The decisions that start or stop a task say why in ``cause``, in words (the rule that fired, the
command, the periodic expression, the retry, the failure): the task's timeline keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus


@dataclass(frozen=True)
class QueueTask:
    """Create the next sequence of ``task_name`` (try 1, QUEUED) and send its start job."""

    task_name: str
    sequence_number: int
    cause: str


@dataclass(frozen=True)
class RetryTask:
    """Queue try ``try_number`` of a task execution and send its start job."""

    task_execution_id: int
    task_name: str
    try_number: int
    cause: str


@dataclass(frozen=True)
class StopTask:
    """Send a stop job for a live task execution and set its status (STOPPING, or STOPPED if queued)."""

    task_execution_id: int
    task_name: str
    try_number: int
    status: TaskStatus
    cause: str


@dataclass(frozen=True)
class AbandonTry:
    """Send a stop job for try ``try_number`` whose worker was lost, in case it still runs somewhere."""

    task_execution_id: int
    task_name: str
    try_number: int


@dataclass(frozen=True)
class SetTaskStatus:
    """Record a status a worker reported (or a heartbeat time-out), with its error, and for RUNNING its worker."""

    task_execution_id: int
    task_name: str
    status: TaskStatus
    error: str | None = None
    worker: str | None = None


@dataclass(frozen=True)
class RuleFired:
    """A rule of ``task_name`` fired and its ``action`` did something: nothing to write, something to count.

    It comes right before the decisions the action caused. A rule whose action changes nothing (a START
    of a live task) gives no decision at all. See docs/metrics.md.
    """

    task_name: str
    action: TaskAction


@dataclass(frozen=True)
class SetExecutionStatus:
    """Move the workflow execution to ``status``."""

    status: WorkflowStatus


@dataclass(frozen=True)
class RecordError:
    """Keep an error the user should see on the execution (e.g. why it was failed)."""

    message: str


Decision = (QueueTask | RetryTask | StopTask | AbandonTry | SetTaskStatus | RuleFired | SetExecutionStatus
            | RecordError)
