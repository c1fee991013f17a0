"""The record of one run of a task inside a workflow execution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus


@dataclass(frozen=True)
class TaskExecutionKey:
    """Identifies a task execution: the workflow execution, the task and its run number."""

    workflow_execution_id: int
    task_name: str
    seq_num: int


@dataclass(frozen=True)
class TaskExecution:
    """One run of a task; the scheduler creates it and changes it with ``replace()``.

    ``sequence_number`` counts the runs of the task within its workflow
    execution, starting at 1; ``try_number`` counts the attempts of this run
    (retries increment it).
    """

    workflow_execution_id: int
    task_name: str
    sequence_number: int
    execution_type: ExecutionType
    begin_date: datetime | None = None
    end_date: datetime | None = None
    status: TaskStatus = TaskStatus.INIT
    id: int | None = None
    try_number: int = 1

    @property
    def key(self) -> TaskExecutionKey:
        """The key naming this run of the task."""
        return TaskExecutionKey(self.workflow_execution_id, self.task_name, self.sequence_number)
