"""The record of one run of a workflow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import WorkflowStatus


@dataclass(frozen=True)
class WorkflowExecution:
    """One run of a workflow; the scheduler creates it and changes it with ``replace()``.

    ``end_date`` stays ``None`` until the execution finishes.
    """

    workflow_id: int
    execution_type: ExecutionType
    begin_date: datetime
    end_date: datetime | None
    status: WorkflowStatus
    id: int | None = None
