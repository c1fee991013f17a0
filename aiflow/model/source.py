"""Where in the user's file a workflow, task or rule was declared."""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceLocation:
    """A file and line number."""

    filename: str
    lineno: int

    def __str__(self) -> str:
        return f"{self.filename}:{self.lineno}"


def declaration_site(*owners: object) -> SourceLocation | None:
    """Return the location of the code that called into ``owners``' methods.

    Frames whose ``self`` is one of ``owners`` (constructors of subclasses,
    methods delegating to each other) are skipped, so the result is the user's
    line that declared the object or rule.
    """
    frame = sys._getframe(1)
    while frame is not None and any(frame.f_locals.get("self") is owner for owner in owners):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return None
    return SourceLocation(frame.f_code.co_filename, frame.f_lineno)
