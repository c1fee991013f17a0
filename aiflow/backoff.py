"""Waiting out an outage: capped exponential backoff, and one log line when it starts and ends.

Long-running processes (the scheduler, workers) retry a call that failed because Redis or the
database is away, forever, until they are asked to stop; :class:`Outage` keeps their logs to one
warning per outage instead of one per attempt.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable


class Backoff:
    """Delays that double from ``first`` up to ``cap`` seconds (with jitter); :meth:`reset` starts over."""

    def __init__(self, first: float = 0.1, cap: float = 5.0) -> None:
        self._first = first
        self._cap = cap
        self._next = first

    def next_delay(self) -> float:
        """Return how long to wait before the next attempt, and lengthen the one after."""
        delay = self._next
        self._next = min(self._next * 2, self._cap)
        return delay * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self._next = self._first


class Outage:
    """Logs that ``subject`` lost a dependency once when it happens, and once when it is back."""

    def __init__(self, logger: logging.Logger, subject: str, clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._subject = subject
        self._clock = clock
        self._since: float | None = None
        #: When the last outage ended (minus infinity before any), on ``clock``.
        self.last_ended = float("-inf")
        self.backoff = Backoff()

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def quiet_for(self) -> float:
        """Return how long the dependencies have answered (0 during an outage; infinite before any)."""
        return 0.0 if self._since is not None else self._clock() - self.last_ended

    def failed(self, error: BaseException) -> float:
        """Note a failed attempt (logged if it starts an outage); return how long to wait before the next."""
        if self._since is None:
            self._since = self._clock()
            self._logger.warning("%s: %s unreachable (%s: %s); retrying until it is back", self._subject,
                                 dependency(error), type(error).__name__, error)
        return self.backoff.next_delay()

    def succeeded(self) -> None:
        """Note a successful attempt (logged if it ends an outage)."""
        if self._since is not None:
            self.last_ended = self._clock()
            self._logger.warning("%s: reachable again after %.1fs", self._subject, self.last_ended - self._since)
            self._since = None
        self.backoff.reset()


def dependency(error: BaseException) -> str:
    """Name what a connection error is about, from the libraries in its chain of causes."""
    current: BaseException | None = error
    while current is not None:
        library = type(current).__module__.partition(".")[0]
        if library in _BUS_LIBRARIES:
            return "the event bus (Redis)"
        if library in _DATABASE_LIBRARIES:
            return "the metadata database"
        current = current.__cause__
    return "a dependency"


_BUS_LIBRARIES = frozenset({"redis", "kombu", "celery"})
_DATABASE_LIBRARIES = frozenset({"sqlalchemy", "sqlite3", "psycopg", "pymysql"})
