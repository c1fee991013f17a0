"""How a worker confines its task processes, decided once per worker: their environment and :class:`TaskConfinement`.

Both are decided in the worker's main process before its pool forks, so each
warning is logged once. :func:`task_base_environment` is the environment every
task process starts from (see :mod:`workers.runtime.environment`).
:func:`decide_confinement` picks the user tasks switch to when the worker is
root (``task_user``, if it can run the interpreter and reach
``worker_work_dir``), whether the kernel has Landlock, and which folders tasks
may not see. The decision travels to each fork server as JSON (it holds no
secret), where :mod:`workers.runtime.jail` carries it out in every try's process.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aiflow.sandbox import landlock
from aiflow.sandbox.denylist import folders_above, outermost
from aiflow.sandbox.identity import unprivileged_identity
from aiflow.sandbox.paths import interpreter_paths
from workers.runtime.environment import task_environment

if TYPE_CHECKING:
    from workers.settings import WorkerSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TaskConfinement:
    """What a try's process gives up: its user, and with Landlock every protected folder but its own.

    ``identity`` is the (uid, gid) of the task user, or ``None`` to keep the
    worker's (without capabilities). ``protected`` are the folders tasks may
    not see (a try's own run folder inside them excepted); ``readable`` are
    the interpreter's and AIFlow's folders, readable even if inside them.
    ``landlock_abi`` is 0 without Landlock.
    """

    identity: tuple[int, int] | None
    landlock_abi: int
    protected: tuple[str, ...]
    readable: tuple[str, ...]

    def to_json(self) -> str:
        """Return the decision as sent to a fork server."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> TaskConfinement:
        """Rebuild a decision written by :meth:`to_json`."""
        data = json.loads(text)
        identity = data.pop("identity")
        return cls(identity=None if identity is None else (identity[0], identity[1]), landlock_abi=data["landlock_abi"],
                   protected=tuple(data["protected"]), readable=tuple(data["readable"]))


def task_base_environment(settings: WorkerSettings, environ: Mapping[str, str]) -> dict[str, str]:
    """Return the worker's environment ``environ`` as every task process gets it.

    One warning names the variables left out because their value holds a secret (never the values).
    """
    kept, for_secret = task_environment(environ, settings.task_environment_drop, settings.secrets())
    if for_secret:
        logger.warning("Worker: task processes do not get %s: the value holds a secret of the worker",
                       ", ".join(for_secret))
    return kept


def decide_confinement(settings: WorkerSettings, python_path: list[str]) -> TaskConfinement:
    """Decide how this worker's task processes are confined; log one warning per missing protection.

    ``python_path`` are the folders put on the task processes' ``PYTHONPATH``.
    """
    abi = landlock.abi_version()
    protected = outermost(Path(path).resolve() for path in settings.protected_paths)
    if abi == 0:
        logger.warning("Worker: the kernel has no Landlock; task processes can read whatever their user can, "
                       "the worker's configuration and other executions' folders included")
    else:
        logger.info("Worker: task processes may not use %s (but their own run folder), nor list or add entries "
                    "directly in %s", ", ".join(map(str, protected)), ", ".join(map(str, folders_above(protected))))
    identity = unprivileged_identity(settings.task_user, "task processes", (str(_nearest_existing(settings.work_dir)),))
    readable = sorted({*map(str, interpreter_paths()), *python_path})
    return TaskConfinement(identity, abi, tuple(map(str, protected)), tuple(readable))


def _nearest_existing(path: Path) -> Path:
    """``path``, or the nearest of its parents that exists (a work folder is made on first use)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
