"""What the child process tells its supervisor, one JSON object per line on a pipe.

1. ``{"timeout": seconds or null}`` once the operator is loaded: the supervisor
   ends the try as FAILED when it runs longer. A child that then becomes the
   task's command (:func:`workers.runtime.child.become_command`) adds
   ``"command": true`` and the operator's ``"grace_period"``: its exit code is
   the outcome, and a stop kills it that many seconds after the SIGTERM.
2. ``{"status": "SUCCESS" | "FAILED", "error": text or null}`` when the
   operator's work has ended.

A child that dies before the second line (a signal, ``os._exit``) has failed,
unless it had become the command and exited 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiflow.model.status import TaskStatus


@dataclass(frozen=True)
class Outcome:
    """How a try ended: a final status and, unless it succeeded, why."""

    status: TaskStatus
    error: str | None = None

    @classmethod
    def failed(cls, error: str) -> Outcome:
        """A failure with its explanation."""
        return cls(TaskStatus.FAILED, error)

    def describe(self) -> str:
        """Return the status, with the error when there is one."""
        return f"{self.status.value}: {self.error}" if self.error else self.status.value

    def to_line(self) -> str:
        """Return the message line that reports this outcome."""
        return json.dumps({"status": self.status.value, "error": self.error}) + "\n"


@dataclass(frozen=True)
class Started:
    """The operator is loaded and starts; ``timeout`` is its time limit in seconds, if any.

    ``command``: the child becomes the task's command, whose exit code is the outcome and which is killed
    ``grace_period`` seconds after a stop's SIGTERM.
    """

    timeout: float | None
    command: bool = False
    grace_period: float | None = None

    def to_line(self) -> str:
        """Return the message line that announces the start."""
        fields = {"command": True, "grace_period": self.grace_period} if self.command else {}
        return json.dumps({"timeout": self.timeout, **fields}) + "\n"


def parse_line(line: str) -> Started | Outcome:
    """Read one message line.

    Raises:
        ValueError: the line is not a message.
    """
    message: dict[str, Any] = json.loads(line)
    if "status" in message:
        return Outcome(TaskStatus(message["status"]), message.get("error"))
    timeout, grace_period = message["timeout"], message.get("grace_period")
    return Started(None if timeout is None else float(timeout), bool(message.get("command", False)),
                   None if grace_period is None else float(grace_period))
