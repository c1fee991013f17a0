"""Call a Python function as a task."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError
from aiflow.operators.process import ChildProcess, run_callable, signal_group
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context


class PythonOperator(ProcessOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)`` in a process of its own.

    When the context gives the task a dedicated process (as a worker does), the
    function runs in it, in :meth:`await_termination`, and :meth:`stop` ends that
    process's group; otherwise it runs in a forked child process. The task fails
    if the function raises or exits with a non-zero code; its traceback goes to
    the task log, as does everything it prints.
    """

    def __init__(
        self,
        name: str,
        python_callable: Callable[..., Any],
        op_args: Sequence[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise InvalidInputError(f"Task {name!r}: python_callable must be callable")
        super().__init__(name, **kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or ())
        self.op_kwargs = dict(op_kwargs or {})
        self._in_place = False

    def launch(self, context: Context) -> ChildProcess:
        return run_callable(self._call)

    def start(self, context: Context) -> None:
        self._in_place = context.dedicated_process
        if not self._in_place:
            super().start(context)

    def await_termination(self, context: Context, timeout: float | None = None) -> None:
        """Wait for the function to return; in place, call it (the process's owner enforces time-outs).

        Raises:
            TaskFailedError: the function exited with a non-zero code, or raised in a child
                (in place, what it raises propagates as it is).
            TaskTimeoutError: the child still runs after ``timeout`` seconds.
        """
        if not self._in_place:
            super().await_termination(context, timeout)
            return
        try:
            self._call()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                raise TaskFailedError(f"Task {self.name!r} failed with exit code {exc.code}") from None

    def stop(self, context: Context) -> None:
        if self._in_place:
            signal_group(os.getpgrp(), signal.SIGKILL)  # this process, and whatever the function started
        else:
            super().stop(context)

    def _call(self) -> Any:
        return self.python_callable(*self.op_args, **self.op_kwargs)
