"""How long the supervisor waits before it restarts a part that exited.

A pure policy: the caller says when the part started serving and when it
exited (any monotonic clock), and gets the delay back. Delays double from
``first`` up to ``cap``; a part that served for ``reset_after`` seconds before
it exited starts again from ``first``, so one crash a day never waits long.
"""

from __future__ import annotations


class RestartBackoff:
    """The restart delays of one part: ``first``, doubling to ``cap``, back to ``first`` after a stable run."""

    def __init__(self, first: float = 1.0, cap: float = 30.0, reset_after: float = 60.0) -> None:
        self.first = first
        self.cap = cap
        self.reset_after = reset_after
        self._next = first
        self._serving_since: float | None = None

    def serving(self, now: float) -> None:
        """The part became ready at ``now``."""
        self._serving_since = now

    def exited(self, now: float) -> float:
        """The part exited at ``now``; return the seconds to wait before starting it again."""
        if self._serving_since is not None and now - self._serving_since >= self.reset_after:
            self._next = self.first
        self._serving_since = None
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay
