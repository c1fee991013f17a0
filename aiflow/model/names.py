"""The one rule for the names of namespaces, workflows and tasks.

A name becomes part of URLs, Redis keys and log file paths
(``{log_dir}/{namespace}/{workflow}/{execution}/{task}/...``), so it must be a
plain identifier: 1 to :data:`MAX_NAME_LENGTH` ASCII letters, digits, ``_``,
``.`` and ``-``, never ``.`` or ``..`` and never containing ``..``. The
declarations (:class:`~aiflow.model.workflow.Workflow`, operators) and the
REST API check names with :func:`check_name`.
"""

from __future__ import annotations

import re

from aiflow.errors import InvalidInputError

MAX_NAME_LENGTH = 255
"""The longest name accepted, in characters (the width of the name columns)."""

NAME_CHARACTERS = re.compile(r"[A-Za-z0-9_.-]+")
"""The characters a name is made of (matched against the whole name)."""


def check_name(kind: str, name: object) -> str:
    """Return ``name`` when it is a valid name of a ``kind`` ("Workflow", "Task", "Namespace").

    Raises:
        InvalidInputError: ``name`` is not a string, is empty or too long, has
            surrounding blanks, holds another character, or is or contains ``..``.
    """
    if not isinstance(name, str):
        raise InvalidInputError(f"{kind} name must be a string, got {type(name).__name__}")
    problem = _problem(name)
    if problem is not None:
        shown = name if len(name) <= _SHOWN else name[:_SHOWN] + "..."
        raise InvalidInputError(f"{kind} name {shown!r} {problem}")
    return name


_SHOWN = 60  # characters of a refused name repeated in the message


def _problem(name: str) -> str | None:
    if not name:
        return "must not be empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long; the limit is {MAX_NAME_LENGTH}"
    if name.strip() != name:
        return "must not start or end with blanks"
    if not NAME_CHARACTERS.fullmatch(name):
        return "may hold only letters, digits, '_', '.' and '-'"
    if name == "." or ".." in name:
        return "must not be '.' or contain '..'"
    return None
