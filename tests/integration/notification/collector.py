"""A listener processor that records what it receives, for tests to wait on."""

from __future__ import annotations

import threading

from notification.event import Event
from notification.listener import ListenerProcessor
from tests.support import wait_until


class Collector(ListenerProcessor):
    """Keeps every delivered event, in delivery order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []

    def process(self, events: list[Event]) -> None:
        with self._lock:
            self._events.extend(events)

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    @property
    def values(self) -> list[str | None]:
        return [event.value for event in self.events]

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Event]:
        """Wait until at least ``count`` events arrived; return them all."""
        wait_until(lambda: len(self.events) >= count, timeout, message=f"{count} events (have {len(self.events)})")
        return self.events
