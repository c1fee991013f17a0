"""Why a task execution did not succeed, as raised by ``await_termination``."""

from __future__ import annotations

from aiflow.errors import AIFlowError


class TaskFailedError(AIFlowError):
    """The task's work ended unsuccessfully; ``exit_code`` is its process's exit code, if any."""

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class TaskTimeoutError(AIFlowError, TimeoutError):
    """The task's work was still running when the wait timed out."""
