"""The actions a task rule can take on a task."""

from __future__ import annotations

from enum import Enum


class TaskAction(str, Enum):
    """What the scheduler does to a task when one of its rules fires.

    ``START`` starts an execution unless one is live; ``STOP`` stops the live
    execution; ``RESTART`` stops the live execution (if any) and starts a new one.
    """

    START = "START"
    STOP = "STOP"
    RESTART = "RESTART"
