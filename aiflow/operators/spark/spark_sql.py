"""Run Spark SQL with the ``spark-sql`` command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.process import ChildProcess, run_command
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context


class SparkSqlOperator(ProcessOperator):
    """Runs ``spark-sql`` in client mode; stopping the task ends the client.

    ``sql`` is a statement (passed with ``-e``) or, when it ends in ``.sql``, a
    file of statements (passed with ``-f``).
    """

    def __init__(
        self,
        name: str,
        sql: str,
        master: str = "yarn",
        application_name: str | None = None,
        executable_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(sql, str) or not sql.strip():
            raise InvalidInputError(f"Task {name!r}: sql must be a non-empty string")
        super().__init__(name, **kwargs)
        self.sql = sql
        self.master = master
        self.application_name = application_name
        self.executable_path = executable_path or "spark-sql"

    def submit_command(self) -> list[str]:
        """Return the ``spark-sql`` command line."""
        command = [self.executable_path, "--master", self.master]
        if self.application_name:
            command += ["--name", self.application_name]
        source = "-f" if self.sql.strip().endswith(".sql") else "-e"
        return [*command, source, self.sql]

    def launch(self, context: Context) -> ChildProcess:
        return run_command(self.submit_command())
