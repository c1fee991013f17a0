"""The working folders of workflow executions on a worker host.

Each workflow execution has one folder, ``{worker_work_dir}/runs/<workflow_execution_id>``,
holding its snapshot's package unpacked. Every try of the execution on this host runs in it,
so what one task writes next to the workflow file (a model, a prepared data set) is there for
the next, as on a single machine.

A try holds a shared ``flock`` on the folder's lock file while it runs. A folder nobody has
used for the retention period is removed, unless a try of any worker process on the host
still holds it; each worker process looks for such folders once per :data:`SWEEP_INTERVAL`,
in a thread of its own.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from workers.packages import CachedSnapshot

logger = logging.getLogger(__name__)

LOCK_FILE = ".aiflow-run.lock"
SWEEP_INTERVAL = 3600.0
"""Seconds between two looks for unused folders by one worker process."""


class RunFolders:
    """The execution folders below ``root``; those unused for ``retention`` are removed."""

    def __init__(self, root: Path, retention: timedelta, clock: Callable[[], float] = time.time) -> None:
        self._root = root
        self._retention = retention.total_seconds()
        self._clock = clock
        self._next_sweep = 0.0
        self._sweep_lock = threading.Lock()

    @contextmanager
    def use(self, workflow_execution_id: int, snapshot: CachedSnapshot) -> Iterator[Path]:
        """Hold the execution's folder while the block runs, unpacking ``snapshot`` into it first if needed.

        Raises:
            OSError, zipfile.BadZipFile: the package cannot be unpacked.
        """
        self._sweep_if_due()
        folder = self._root / str(workflow_execution_id)
        lock = self._hold(folder, snapshot)
        try:
            os.utime(folder)
            yield folder
        finally:
            os.utime(folder)
            os.close(lock)

    def sweep(self) -> int:
        """Remove the folders unused for the retention period that no try holds; return how many."""
        removed = 0
        cutoff = self._clock() - self._retention
        for path in self._root.glob("*"):
            try:
                if path.is_dir() and path.stat().st_mtime < cutoff and _remove_unheld(path):
                    removed += 1
            except OSError:
                logger.warning("Worker: cannot remove the old run folder %s", path, exc_info=True)
        return removed

    def _hold(self, folder: Path, snapshot: CachedSnapshot) -> int:
        """Return a file descriptor holding a shared lock on ``folder``, which holds the package."""
        while True:
            if not folder.exists():
                _unpack(snapshot, folder)
            try:
                lock = os.open(folder / LOCK_FILE, os.O_RDONLY | os.O_CREAT, 0o600)
            except FileNotFoundError:
                continue  # swept away between the check and the open
            fcntl.flock(lock, fcntl.LOCK_SH)
            if _still_at(lock, folder / LOCK_FILE):
                return lock
            os.close(lock)  # swept away while we waited for the lock

    def _sweep_if_due(self) -> None:
        with self._sweep_lock:
            if self._clock() < self._next_sweep:
                return
            self._next_sweep = self._clock() + SWEEP_INTERVAL
        threading.Thread(target=self.sweep, name="run-folder-sweep", daemon=True).start()


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


def _still_at(lock: int, path: Path) -> bool:
    """Whether the open lock file ``lock`` is still the file at ``path``."""
    try:
        return os.stat(path).st_ino == os.fstat(lock).st_ino
    except FileNotFoundError:
        return False


def _remove_unheld(folder: Path) -> bool:
    """Remove ``folder`` unless a try holds it (a staging folder is never held); return whether removed."""
    if folder.name.startswith("."):
        shutil.rmtree(folder)
        return True
    lock = os.open(folder / LOCK_FILE, os.O_RDONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}-removed-", dir=folder.parent))
        os.rename(folder, trash / folder.name)  # gone from its path before the lock is let go
        shutil.rmtree(trash)
        return True
    finally:
        os.close(lock)
