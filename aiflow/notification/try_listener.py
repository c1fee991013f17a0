"""A task's listener: a thread that long-polls the API server for its namespace's events.

Each poll asks for the events after the last one delivered (the first one, for the events from
``begin_time``) and the server holds it up to :data:`POLL_WAIT_S` until one comes, so an event
reaches the processor as soon as it is stored, every event once and in offset order, without
polling fast. A server whose waiting slots are all taken answers at once; the listener then
pauses :data:`BUSY_PAUSE_S` before asking again. An unreachable or refusing server is retried
with backoff.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection
from datetime import datetime

from aiflow.notification.try_api import Aborted, LongPoll, TryApi
from aiflow.ops.errors import AIFlowException
from notification.event import Event
from notification.listener import ListenerProcessor

logger = logging.getLogger(__name__)

POLL_WAIT_S = 25.0
"""How long the server holds one poll when no event comes (the API allows up to 30 s)."""
BUSY_PAUSE_S = 1.0
"""Pause after an empty answer that came back well before its wait (the server had no waiting slot free)."""
MAX_BACKOFF_S = 5.0
"""Longest pause between attempts while the server is unreachable or refuses."""
STOP_WAIT_S = 5.0
"""How long stopping waits for a delivery under way (a processor that hangs longer is left to it)."""


class TryListener:
    """Delivers the events of the try's namespace with ``keys`` (all when empty) to ``processor`` in a thread."""

    def __init__(self, api: TryApi, processor: ListenerProcessor, keys: Collection[str],
                 begin_time: datetime | None) -> None:
        self._api = api
        self._poll = LongPoll(api.server)
        self._processor = processor
        self._keys = frozenset(keys)
        self._server_key = next(iter(self._keys)) if len(self._keys) == 1 else None
        # From the next event: those created from now on (by this host's clock) are delivered.
        self._begin_time = begin_time or datetime.now().astimezone()
        self._stopping = threading.Event()
        self._delivering = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="try-event-listener", daemon=True)

    def start(self) -> None:
        """Start delivering events."""
        self._thread.start()

    def stop(self) -> None:
        """Stop: abort the poll under way; nothing is delivered once this returns (unless called by the processor)."""
        self._stopping.set()
        self._poll.abort()
        if self._thread is not threading.current_thread() and self._delivering.acquire(timeout=STOP_WAIT_S):
            self._delivering.release()  # a delivery under way has ended

    def join(self, timeout: float = STOP_WAIT_S) -> None:
        """Wait for the thread to end (not when called from the listener itself)."""
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        after: int | None = None
        backoff = 0.1
        while not self._stopping.is_set():
            asked = time.monotonic()
            try:
                events = self._api.events(self._poll, after, self._begin_time, self._server_key, POLL_WAIT_S)
            except Aborted:
                return
            except AIFlowException as exc:
                logger.warning("Listener: cannot read events (%s); retrying in %.1fs", exc, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 0.1
            if events:
                after = events[-1].offset
                self._deliver([event for event in events if not self._keys or event.key in self._keys])
            elif time.monotonic() - asked < POLL_WAIT_S / 2:
                self._stopping.wait(BUSY_PAUSE_S)

    def _deliver(self, events: list[Event]) -> None:
        if not events:
            return
        with self._delivering:
            if self._stopping.is_set():
                return
            try:
                self._processor.process(events)
            except Exception:  # a processor's bug must not end the listener
                logger.exception("Listener: processor %r failed on offsets %s..%s",
                                 self._processor, events[0].offset, events[-1].offset)
