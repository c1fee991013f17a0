"""What the caller tells the reaper to start: a :class:`LaunchSpec`, passed as JSON in an environment variable.

The caller decides everything (paths, limits, user, environment); the reaper
and the confined child only apply it. Nothing in it is secret.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aiflow.sandbox.privileges import Limits

SPEC_VARIABLE = "AIFLOW_SANDBOX_SPEC"
"""The reaper's environment variable holding the spec (the child never sees it)."""


@dataclass(frozen=True)
class LaunchSpec:
    """One sandboxed child: what runs, where, with which limits, as whom and seeing what."""

    parent_pid: int
    executable: str
    boot: str
    packages: dict[str, str]
    """Top-level package name -> folder, importable in the child before anything on ``sys.path``."""
    python_path: list[str]
    module: str
    args: list[str]
    workdir: str
    environment: dict[str, str]
    limits: Limits
    identity: tuple[int, int] | None
    """(uid, gid) the child switches to, or ``None`` to keep the caller's."""
    landlock_abi: int
    """Landlock ABI to confine the child with; 0 for none."""
    read_only: list[str]
    writable: list[str]
    devices: list[str]

    def to_json(self) -> str:
        """Return the spec as a JSON document."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> LaunchSpec:
        """Rebuild a spec written by :meth:`to_json`."""
        data: dict[str, Any] = json.loads(text)
        identity = data.pop("identity")
        limits = Limits(**data.pop("limits"))
        return cls(**data, limits=limits, identity=None if identity is None else (identity[0], identity[1]))

    def child_argv(self) -> list[str]:
        """The command line of the confined interpreter: the boot script, then the module and its arguments."""
        setup = json.dumps({"packages": self.packages, "python_path": self.python_path})
        return [self.executable, "-I", "-B", self.boot, setup, self.module, *self.args]

    def paths(self) -> tuple[list[Path], list[Path], list[Path]]:
        """The read-only, writable and device paths of the Landlock rules."""
        return [Path(p) for p in self.read_only], [Path(p) for p in self.writable], [Path(p) for p in self.devices]
