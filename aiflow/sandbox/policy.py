"""What a sandboxed child may use: :class:`SandboxPolicy`, and the policy the server's configuration sets."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiflow.config import ServerConfig

logger = logging.getLogger(__name__)

GiB = 1024**3
MiB = 1024**2
_NEVER_PASSED = ("AIFLOW_", "NOTIFICATION_")


@dataclass(frozen=True)
class SandboxPolicy:
    """The limits and the view of the machine a sandboxed child gets.

    ``None`` leaves a limit unset (keep ``cpu_seconds`` unset for a long-lived
    child: the limit counts the process's whole life). ``user`` is the account
    the child runs as when the caller is root, if it can run the interpreter.
    ``readable`` and ``writable`` add folders or files to what the child may
    read or change; ``python_path`` folders (readable too) come first on its
    ``sys.path``. ``environment`` holds the only variables the child gets
    beyond the minimal ones the sandbox sets.
    """

    cpu_seconds: int | None = None
    memory_bytes: int | None = 2 * GiB
    file_bytes: int | None = 256 * MiB
    open_files: int | None = 512
    user: str | None = "nobody"
    readable: tuple[Path, ...] = ()
    writable: tuple[Path, ...] = ()
    python_path: tuple[Path, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()


def policy_from_config(config: ServerConfig, environ: Mapping[str, str] | None = None) -> SandboxPolicy:
    """Return the policy of the server's sandboxes: its user, memory limit and passed-through variables."""
    names = config.sandbox_environment
    return SandboxPolicy(
        memory_bytes=config.sandbox_memory_limit or None,
        user=config.sandbox_user or None,
        environment=passed_environment(names, os.environ if environ is None else environ),
    )


def passed_environment(names: str, environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Return the variables named in ``names`` (commas or spaces) that ``environ`` has.

    ``AIFLOW_*`` and ``NOTIFICATION_*`` variables are never passed: they may hold
    database URLs, tokens or the Redis password.
    """
    wanted = [name for name in re.split(r"[\s,]+", names) if name]
    refused = [name for name in wanted if name.upper().startswith(_NEVER_PASSED)]
    if refused:
        logger.warning("Sandbox: never passing %s to sandboxed processes", ", ".join(refused))
    return tuple((name, environ[name]) for name in wanted if name in environ and name not in refused)
