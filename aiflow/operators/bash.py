"""Run a bash command as a task."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.process import ChildProcess, run_command
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context


class BashOperator(ProcessOperator):
    """Runs ``bash -c <bash_command>``; the task fails if the command exits non-zero."""

    def __init__(self, name: str, bash_command: str, **kwargs: Any) -> None:
        if not isinstance(bash_command, str) or not bash_command.strip():
            raise InvalidInputError(f"Task {name!r}: bash_command must be a non-empty string")
        super().__init__(name, **kwargs)
        self.bash_command = bash_command

    def command_line(self) -> list[str]:
        """The argument vector of the task's process."""
        return ["bash", "-c", self.bash_command]

    def launch(self, context: Context) -> ChildProcess:
        return run_command(self.command_line())
