"""Files and folders that tries hold with ``flock`` while they use them, removed only when nobody does.

A try holds a shared lock (a folder's lock file, or a log file itself) for as long as it uses the
path; a sweep removes a path only under an exclusive lock taken without waiting, and moves or
unlinks it before letting the lock go. A holder that opened the path just as it was removed sees
that its lock file is no longer the one at the path, and starts again. Works across the worker
processes of a host.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


@contextmanager
def using_folder(folder: Path, lock_name: str, make: Callable[[], None]) -> Iterator[None]:
    """Hold ``folder`` while the block runs, calling ``make`` first whenever it is missing.

    The folder's time stamp marks its last use, at both ends of the block.
    """
    while True:
        if not folder.exists():
            make()
        lock = hold_shared(folder, lock_name)
        if lock is not None:
            break
    try:
        os.utime(folder)
        yield
    finally:
        os.utime(folder)
        os.close(lock)


def hold_shared(folder: Path, lock_name: str) -> int | None:
    """Return a file descriptor holding a shared lock on ``folder``; None when the folder is gone (swept)."""
    try:
        lock = os.open(folder / lock_name, os.O_RDONLY | os.O_CREAT, 0o600)
    except FileNotFoundError:
        return None
    fcntl.flock(lock, fcntl.LOCK_SH)
    if still_at(lock, folder / lock_name):
        return lock
    os.close(lock)  # swept away while we waited for the lock
    return None


def still_at(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the file at ``path``."""
    try:
        return os.stat(path).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def remove_unused_folders(folders: Iterable[Path], cutoff: float, lock_name: str) -> int:
    """Remove each of ``folders`` last used before ``cutoff`` (a time stamp) that no try holds; return how many."""
    removed = 0
    for folder in folders:
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff and remove_unheld_folder(folder, lock_name):
                removed += 1
        except OSError:
            logger.warning("Worker: cannot remove the old folder %s", folder, exc_info=True)
    return removed


def remove_unheld_folder(folder: Path, lock_name: str) -> bool:
    """Remove ``folder`` unless a try holds it (a staging folder, named ``.*``, never is); return whether removed."""
    if folder.name.startswith("."):
        shutil.rmtree(folder)
        return True
    try:
        lock = os.open(folder / lock_name, os.O_RDONLY | os.O_CREAT, 0o600)
    except FileNotFoundError:
        return False  # another sweeper was first
    try:
        if not _lock_now(lock):
            return False
        trash = Path(tempfile.mkdtemp(prefix=f".{folder.name}-removed-", dir=folder.parent))
        os.rename(folder, trash / folder.name)  # gone from its path before the lock is let go
        shutil.rmtree(trash)
        return True
    finally:
        os.close(lock)


def remove_unheld_file(path: Path) -> bool:
    """Unlink the file ``path`` unless a try holds it open under a lock; return whether removed."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False  # another sweeper was first
    try:
        if not _lock_now(fd) or not still_at(fd, path):
            return False
        path.unlink()
        return True
    finally:
        os.close(fd)


def _lock_now(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
