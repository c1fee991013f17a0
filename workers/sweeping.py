"""Removing what a worker host no longer needs: old run folders, snapshot caches and log files.

Each worker process runs its sweeps once per :data:`SWEEP_INTERVAL`, when a try starts, in a
thread of its own (the try does not wait). A sweep looks at a bounded number of paths
(:data:`SWEEP_BATCH`), going on where the previous one stopped, so a host with many old files
spreads their removal over several sweeps. What a try uses is never removed
(:mod:`workers.held_paths`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Protocol

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = 3600.0
"""Seconds between two sweeps by one worker process."""

SWEEP_BATCH = 1000
"""Paths one sweep of one kind looks at."""


class ResumableScan:
    """Hands out the paths of a scan a batch at a time; the batch after the last starts a new scan."""

    def __init__(self, scan: Callable[[], Iterator[Path]]) -> None:
        self._scan = scan
        self._paths: Iterator[Path] | None = None

    def batch(self, size: int) -> list[Path]:
        """Return up to ``size`` paths, going on from the previous batch."""
        if self._paths is None:
            self._paths = self._scan()
        paths = list(islice(self._paths, size))
        if len(paths) < size:
            self._paths = None
        return paths


class Sweep(Protocol):
    """Something that removes its old, unused paths."""

    def sweep(self, limit: int = ...) -> int:
        """Remove what is old and unused among up to ``limit`` paths; return how many were removed."""
        ...


class Sweeper:
    """Runs ``sweeps`` (by what they remove) at most once per ``interval``, in a background thread."""

    def __init__(self, sweeps: Mapping[str, Sweep], interval: float = SWEEP_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sweeps = sweeps
        self._interval = interval
        self._clock = clock
        self._next = float("-inf")
        self._lock = threading.Lock()

    def sweep_if_due(self) -> None:
        """Start a sweep in the background unless one ran within the interval."""
        with self._lock:
            if self._clock() < self._next:
                return
            self._next = self._clock() + self._interval
        threading.Thread(target=self.sweep_all, name="worker-sweep", daemon=True).start()

    def sweep_all(self) -> dict[str, int]:
        """Run every sweep once; return how many paths each removed (a sweep that fails is logged)."""
        removed = {}
        for kind, sweep in self._sweeps.items():
            try:
                removed[kind] = sweep.sweep()
            except Exception:  # a sweep must never harm the tries; the next one tries again
                logger.exception("Worker: sweeping old %s failed", kind)
                continue
            if removed[kind]:
                logger.info("Worker: removed %s old %s", removed[kind], kind)
        return removed
