"""The error a workflow file that cannot be loaded produces."""

from __future__ import annotations

from typing import Any

from aiflow.errors import InvalidInputError
from aiflow.model.source import SourceLocation


class WorkflowFileError(InvalidInputError):
    """A workflow file could not be loaded.

    ``file`` and ``line`` locate the problem in the user's code (``line`` is
    ``None`` when no line is to blame, as for a file with no workflow);
    ``message`` says what is wrong.
    """

    def __init__(self, file: str, line: int | None, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        super().__init__(str(self))

    @classmethod
    def at(
        cls, location: SourceLocation | None, default_file: str, message: str
    ) -> WorkflowFileError:
        """Build the error for ``location``, or for ``default_file`` when it is unknown."""
        if location is None:
            return cls(default_file, None, message)
        return cls(location.filename, location.lineno, message)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}, line {self.line}"
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.file, self.line, self.message))

    def to_dict(self) -> dict[str, Any]:
        """Return the error as plain data (for JSON)."""
        return {"file": self.file, "line": self.line, "message": self.message}
