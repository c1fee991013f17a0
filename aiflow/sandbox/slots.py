"""A bound on how many sandboxes run at once across processes: :class:`Slots`, N lock files.

Each slot is a file locked with ``flock``; a process holds one while its
sandbox runs. The kernel frees the lock when the holder's file is closed, so a
process that dies never keeps a slot. Every process of the host that uses the
same folder shares the bound (the API server's gunicorn workers do).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiflow.errors import TransientError

_POLL_S = 0.05


class NoFreeSlot(TransientError):
    """Every slot stayed busy for the whole wait."""


class Slots:
    """``count`` slots kept as lock files in ``folder`` (created when missing)."""

    def __init__(self, folder: Path, count: int, what: str = "sandbox") -> None:
        if count < 1:
            raise ValueError(f"at least one slot is needed, got {count}")
        self.folder = folder
        self.count = count
        self.what = what

    @contextmanager
    def hold(self, wait: float) -> Iterator[int]:
        """Hold a free slot for the ``with`` block; yield its number.

        Raises:
            NoFreeSlot: no slot became free within ``wait`` seconds.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        while True:
            taken = self._take_any()
            if taken is not None:
                break
            if time.monotonic() >= deadline:
                raise NoFreeSlot(f"all {self.count} {self.what} slots are busy; retry later")
            time.sleep(_POLL_S)  # flock cannot wait for one of several files with a deadline
        number, fd = taken
        try:
            yield number
        finally:
            os.close(fd)  # closing the file releases its lock

    def busy(self) -> int:
        """Return how many slots are held right now (by any process)."""
        if not self.folder.is_dir():
            return 0  # never used yet
        held = 0
        for number in range(self.count):
            fd = self._try_lock(number)
            if fd is None:
                held += 1
            else:
                os.close(fd)
        return held

    def _take_any(self) -> tuple[int, int] | None:
        for number in range(self.count):
            fd = self._try_lock(number)
            if fd is not None:
                return number, fd
        return None

    def _try_lock(self, number: int) -> int | None:
        fd = os.open(self.folder / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        return fd
