"""The base of operators whose work is one child process and everything it starts."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiflow.model.operator import AIFlowOperator
from aiflow.operators.errors import TaskFailedError, TaskTimeoutError
from aiflow.operators.process import STOP_GRACE_PERIOD, ChildProcess, run_command

if TYPE_CHECKING:
    from aiflow.model.context import Context

CONTROL_COMMAND_TIMEOUT = 60.0
"""Seconds a control command (cancel, kill) may take before it is stopped."""


class ProcessOperator(AIFlowOperator):
    """An operator that runs its work as a child process in its own process group.

    Subclasses implement :meth:`launch`. :meth:`stop` ends the whole process
    group: SIGTERM, then SIGKILL after ``stop_grace_period`` seconds.
    """

    def __init__(
        self, name: str, stop_grace_period: float = STOP_GRACE_PERIOD, **kwargs: Any
    ) -> None:
        super().__init__(name, **kwargs)
        self.stop_grace_period = stop_grace_period
        self._process: ChildProcess | None = None

    @abstractmethod
    def launch(self, context: Context) -> ChildProcess:
        """Start the child process that does the work."""

    def start(self, context: Context) -> None:
        try:
            self._process = self.launch(context)
        except OSError as err:
            raise TaskFailedError(f"Task {self.name!r} could not start: {err}") from err

    def await_termination(self, context: Context, timeout: float | None = None) -> None:
        """Wait for the process to exit.

        Raises:
            TaskFailedError: it exited with a non-zero code (negative: killed by that signal).
            TaskTimeoutError: it still runs after ``timeout`` seconds.
        """
        exit_code = self._started_process().wait(timeout)
        if exit_code is None:
            raise TaskTimeoutError(f"Task {self.name!r} still runs after {timeout} seconds")
        if exit_code != 0:
            message = f"Task {self.name!r} failed with exit code {exit_code}"
            raise TaskFailedError(message, exit_code)

    def stop(self, context: Context) -> None:
        if self._process is not None:
            self._process.stop(self.stop_grace_period)

    def run_control_command(self, argv: Sequence[str]) -> int | None:
        """Run a short command that controls the job (such as a cancel), and return its exit code.

        Its output goes to the task log; it is stopped if it runs longer than
        :data:`CONTROL_COMMAND_TIMEOUT`, and ``None`` is returned.
        """
        control = run_command(argv)
        exit_code = control.wait(CONTROL_COMMAND_TIMEOUT)
        if exit_code is None:
            control.stop(self.stop_grace_period)
        return exit_code

    def _started_process(self) -> ChildProcess:
        if self._process is None:
            raise TaskFailedError(f"Task {self.name!r} was never started")
        return self._process
