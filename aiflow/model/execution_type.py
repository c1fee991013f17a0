"""What caused a workflow or task execution to run."""

from __future__ import annotations

from enum import Enum


class ExecutionType(str, Enum):
    """The origin of an execution: a user command, an event or a schedule."""

    MANUAL = "MANUAL"
    EVENT = "EVENT"
    PERIODIC = "PERIODIC"
