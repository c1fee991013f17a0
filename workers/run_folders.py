"""The working folders of workflow executions on a worker host.

Each workflow execution has one folder, ``{worker_work_dir}/runs/<workflow_execution_id>``,
holding its snapshot's package unpacked. Every try of the execution on this host runs in it,
so what one task writes next to the workflow file (a model, a prepared data set) is there for
the next, as on a single machine.

A try holds a shared ``flock`` on the folder's lock file while it runs (:mod:`workers.held_paths`).
A folder nobody has used for the retention period is removed, unless a try of any worker process on
the host still holds it; the worker's :class:`~workers.sweeping.Sweeper` looks for such folders.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from workers.held_paths import remove_unused_folders, using_folder
from workers.packages import CachedSnapshot
from workers.sweeping import SWEEP_BATCH, ResumableScan

LOCK_FILE = ".aiflow-run.lock"


class RunFolders:
    """The execution folders below ``root``; those unused for ``retention`` are removed."""

    def __init__(self, root: Path, retention: timedelta, clock: Callable[[], float] = time.time) -> None:
        self._root = root
        self._retention = retention.total_seconds()
        self._clock = clock
        self._scan = ResumableScan(lambda: root.glob("*"))

    @contextmanager
    def use(self, workflow_execution_id: int, snapshot: CachedSnapshot) -> Iterator[Path]:
        """Hold the execution's folder while the block runs, unpacking ``snapshot`` into it first if needed.

        Raises:
            OSError, zipfile.BadZipFile: the package cannot be unpacked.
        """
        folder = self._root / str(workflow_execution_id)
        with using_folder(folder, LOCK_FILE, lambda: _unpack(snapshot, folder)):
            yield folder

    def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Remove the folders unused for the retention period that no try holds; return how many.

        One call looks at up to ``limit`` folders; the next goes on from there.
        """
        return remove_unused_folders(self._scan.batch(limit), self._clock() - self._retention, LOCK_FILE)


def _unpack(snapshot: CachedSnapshot, folder: Path) -> None:
    """Unpack the package next to ``folder`` and rename it into place, unless another try did first."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        snapshot.extract_to(staging / "package")
        (staging / "package" / LOCK_FILE).touch(0o600)
        os.rename(staging / "package", folder)  # atomic: a try sees the whole package or no folder
    except OSError:
        if not folder.exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
