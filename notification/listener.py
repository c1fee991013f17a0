"""Listening to the event log: a thread per registration that hands events to a processor.

A listener follows one or more streams (per-key streams, a namespace's stream, or
the whole log) from a start offset. Its position in each stream is the id of the
last entry read, so after a dropped connection it reads on from there: every
matching event arrives once and in offset order, and entries that are not events
are skipped once, with a warning.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import cast

import redis
from redis.typing import KeyT, StreamIdT

from notification.codec import after_id, id_parts
from notification.event import Event
from notification.reading import decode_events

logger = logging.getLogger(__name__)

ListenerRegistrationId = str
#: What XREAD returns: per stream, its name and its (entry id, fields) pairs.
StreamReply = list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]

#: How long one blocking read waits for new events before checking for a stop request.
BLOCK_MS = 200
#: Most entries read from one stream in one round trip.
BATCH = 500
#: Longest pause between reconnection attempts.
MAX_BACKOFF_S = 1.0


class ListenerProcessor(ABC):
    """Receives the events a listener delivers; implement :meth:`process`."""

    @abstractmethod
    def process(self, events: list[Event]) -> None:
        """Handle a batch of events, given in offset order."""


class Listener:
    """Delivers the events of ``streams`` after ``start_offset`` to ``processor`` in a thread."""

    def __init__(
        self,
        client: redis.Redis,
        streams: list[str],
        start_offset: int,
        processor: ListenerProcessor,
        accept: Callable[[Event], bool],
    ) -> None:
        self._client = client
        self._cursors: dict[KeyT, StreamIdT] = {stream: after_id(start_offset) for stream in streams}
        self._processor = processor
        self._accept = accept
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"event-listener:{streams[0]}", daemon=True)

    def start(self) -> None:
        """Start delivering events."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the listener to stop; it ends within one blocking read."""
        self._stopping.set()

    def join(self, timeout: float = 5.0) -> None:
        """Wait for the listener's thread to end (not when called from the listener itself)."""
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        backoff = 0.01
        while not self._stopping.is_set():
            try:
                batch = self._read()
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                logger.warning("Listener: connection lost (%s); retrying in %.2fs", exc, backoff)
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
                continue
            backoff = 0.01
            events = [event for event in batch if self._accept(event)]
            if events:
                self._deliver(events)

    def _read(self) -> list[Event]:
        """Read the next consistent batch from all streams and advance the cursors past it."""
        reply = cast(StreamReply, self._client.xread(self._cursors, count=BATCH, block=BLOCK_MS))
        if not reply:
            return []
        # One XREAD sees every stream at the same instant. A stream that filled its batch may
        # hold more entries, so entries beyond its last one wait for the next read.
        full = [id_parts(entries[-1][0]) for _, entries in reply if len(entries) == BATCH]
        limit = min(full, default=None)
        events: list[Event] = []
        for stream, entries in reply:
            name = stream.decode() if isinstance(stream, bytes) else stream
            taken = [entry for entry in entries if limit is None or id_parts(entry[0]) <= limit]
            if taken:
                # The cursor is the last id read, so entries that are not events are passed once.
                self._cursors[name] = taken[-1][0].decode("ascii")
            events += decode_events(taken, name)
        events.sort(key=lambda event: event.offset or 0)
        return events

    def _deliver(self, events: list[Event]) -> None:
        try:
            self._processor.process(events)
        except Exception:  # a processor's bug must not end the listener
            logger.exception("Listener: processor %r failed on offsets %s..%s",
                             self._processor, events[0].offset, events[-1].offset)
