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


def exit_code_error(task_name: str, exit_code: int) -> str:
    """Why task ``task_name`` failed when its process exited with ``exit_code`` (negative: a signal)."""
    return f"Task {task_name!r} failed with exit code {exit_code}"


def start_error(task_name: str, error: OSError) -> str:
    """Why task ``task_name`` failed when its process could not be started."""
    return f"Task {task_name!r} could not start: {error}"
