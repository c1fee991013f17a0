"""The base of operators whose work is one child process and everything it starts."""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiflow.model.operator import AIFlowOperator
from aiflow.operators.errors import TaskFailedError, TaskTimeoutError, exit_code_error, start_error
from aiflow.operators.job_tracking import StatusQuery, follow_job
from aiflow.operators.process import STOP_GRACE_PERIOD, ChildProcess, LineHandler, log_line, run_command

if TYPE_CHECKING:
    from aiflow.model.context import Context

CONTROL_COMMAND_TIMEOUT = 60.0
"""Seconds a control command (cancel, kill, status) may take before it is stopped."""


class ProcessOperator(AIFlowOperator):
    """An operator that runs its work as a child process in its own process group.

    Subclasses implement :meth:`launch`. When the work is a job that a client
    submits to a cluster, they implement :meth:`cancel_job`, and, if the client
    may return while the job runs, :meth:`status_query`: the task then lasts
    until the cluster reports the job's end. :meth:`stop` ends the whole
    process group: SIGTERM, then SIGKILL after ``stop_grace_period`` seconds.
    """

    def __init__(
        self, name: str, stop_grace_period: float = STOP_GRACE_PERIOD, **kwargs: Any
    ) -> None:
        super().__init__(name, **kwargs)
        self.stop_grace_period = stop_grace_period
        self._process: ChildProcess | None = None
        # Made by start(): an Event cannot be pickled with the workflow.
        self._stopped: threading.Event | None = None

    @property
    def pid(self) -> int | None:
        """The id of the child process (the leader of its process group), once started."""
        return None if self._process is None else self._process.pid

    @abstractmethod
    def launch(self, context: Context) -> ChildProcess:
        """Start the child process that does the work."""

    def status_query(self) -> StatusQuery | None:
        """Return how to follow a job the child left running when it exited successfully.

        The default, ``None``, means the child's exit ends the work.
        """
        return None

    def start(self, context: Context) -> None:
        self._stopped = threading.Event()
        try:
            self._process = self.launch(context)
        except OSError as err:
            raise TaskFailedError(start_error(self.name, err)) from err

    def await_termination(self, context: Context, timeout: float | None = None) -> None:
        """Wait for the process to exit, then for the job it left running (see :meth:`status_query`).

        Raises:
            TaskFailedError: it exited with a non-zero code (negative: killed by that
                signal), or its job ended unsuccessfully or was stopped.
            TaskTimeoutError: it or its job still runs after ``timeout`` seconds.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        process, stopped = self._started()
        exit_code = process.wait(timeout)
        if exit_code is None:
            raise TaskTimeoutError(f"Task {self.name!r} still runs after {timeout} seconds")
        if exit_code != 0:
            raise TaskFailedError(exit_code_error(self.name, exit_code), exit_code)
        query = self.status_query()
        if query is not None:
            follow_job(self.name, query, self.run_control_command, stopped, deadline)

    def cancel_job(self) -> None:
        """Cancel the job the child submitted, before the child is ended; the default has none."""

    def stop(self, context: Context) -> None:
        """Mark the run stopped, cancel its job (see :meth:`cancel_job`), then end the process group."""
        if self._stopped is not None:
            self._stopped.set()
        self.cancel_job()
        if self._process is not None:
            self._process.stop(self.stop_grace_period)

    def run_control_command(self, argv: Sequence[str], on_line: LineHandler = log_line) -> int | None:
        """Run a short command that controls or queries the job, and return its exit code.

        Its output lines go to ``on_line`` (by default, the task log); it is
        stopped if it runs longer than :data:`CONTROL_COMMAND_TIMEOUT`, and
        ``None`` is returned.
        """
        control = run_command(argv, on_line)
        exit_code = control.wait(CONTROL_COMMAND_TIMEOUT)
        if exit_code is None:
            control.stop(self.stop_grace_period)
        return exit_code

    def _started(self) -> tuple[ChildProcess, threading.Event]:
        if self._process is None or self._stopped is None:
            raise TaskFailedError(f"Task {self.name!r} was never started")
        return self._process, self._stopped
