"""Call a Python function as a task."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.process import ChildProcess, run_callable
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context


class PythonOperator(ProcessOperator):
    """Calls ``python_callable(*op_args, **op_kwargs)`` in a forked child process.

    The task fails if the function raises; its traceback goes to the task log,
    as does everything it prints.
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

    def launch(self, context: Context) -> ChildProcess:
        call = functools.partial(self.python_callable, *self.op_args, **self.op_kwargs)
        return run_callable(call)
