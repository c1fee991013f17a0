"""Environment helpers for workflow files: ``expand_env_var`` and the AIFlow home."""

from __future__ import annotations

import os
from typing import TypeVar

Text = TypeVar("Text", str, None)


def expand_env_var(value: Text) -> Text:
    """Expand ``$VAR``, ``${VAR}`` and a leading ``~`` in ``value``, again and again until nothing changes.

    A variable whose value names another variable is expanded in turn, so
    nested references resolve. Unset variables are left as written (as
    :func:`os.path.expandvars` does), so a path below an unset
    ``${FLINK_HOME}`` stays visibly unexpanded. ``None`` and ``""`` are
    returned unchanged.
    """
    if not value:
        return value
    while True:
        expanded = os.path.expanduser(os.path.expandvars(value))
        if expanded == value:
            return expanded
        value = expanded


def get_aiflow_home() -> str:
    """Return the AIFlow home directory: ``$AIFLOW_HOME`` (by default ``~/aiflow``), expanded."""
    return expand_env_var(os.environ.get("AIFLOW_HOME") or "~/aiflow")
