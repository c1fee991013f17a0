"""The environment of task processes: the worker's, without what could hold its secrets.

The fork server, and so every task process, starts with this environment; a
try adds only its own variables (its runtime) on top.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase

NEVER_PASSED = ("AIFLOW_", "NOTIFICATION_", "CELERY_", "REDIS")
"""Prefixes of variables no task gets: they configure the worker, its bus and its broker (compared upper-cased)."""


def task_environment(
    environ: Mapping[str, str], drop: str, secrets: Iterable[str]
) -> tuple[dict[str, str], list[str]]:
    """Return the worker's environment ``environ`` as task processes get it, and the names left out for a secret.

    Left out: names with a prefix of :data:`NEVER_PASSED`, names matching a
    pattern of ``drop`` (shell patterns separated by spaces or commas, as in
    ``task_environment_drop``), and any variable whose value holds one of
    ``secrets``; the names of the latter are returned, so the caller can say
    which (never their values).
    """
    patterns = [pattern for pattern in re.split(r"[\s,]+", drop) if pattern]
    found = [secret for secret in secrets if secret]
    kept, for_secret = {}, []
    for name, value in environ.items():
        if name.upper().startswith(NEVER_PASSED) or any(fnmatchcase(name, pattern) for pattern in patterns):
            continue
        if any(secret in value for secret in found):
            for_secret.append(name)
            continue
        kept[name] = value
    return kept, sorted(for_secret)
