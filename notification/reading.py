"""Reading stream entries as events: skipping entries the bus did not write, paging, merging.

Entries someone else added to a stream (see :mod:`notification.codec`) are passed
over with a warning naming their id; only the scheduler's
:meth:`~notification.client.NotificationClient.read_log` hands them on.
"""

from __future__ import annotations

import heapq
import logging
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import cast

import redis

from notification.codec import StreamEntry, UndecodableEntry, after_id, decode_entry
from notification.event import Event

logger = logging.getLogger(__name__)

#: Entries of the first page a range read asks for; each later page doubles, up to :data:`MAX_PAGE`.
FIRST_PAGE = 64
MAX_PAGE = 1000

Call = Callable[[Callable[[], object]], object]


def decode_events(entries: Iterable[StreamEntry], stream: str) -> Iterator[Event]:
    """Yield the events among ``entries``; log and skip the entries that are not events."""
    for entry in entries:
        item = decode_entry(*entry)
        if isinstance(item, UndecodableEntry):
            logger.warning("Event bus: skipping entry %s of %s, not an event: %s", item.entry_id, stream, item.error)
        else:
            yield item


def read_stream(client: redis.Redis, call: Call, stream: str, after: int, until: int | None) -> Iterator[Event]:
    """Yield the events of ``stream`` with ``after < offset <= until``, a page at a time.

    ``call`` runs each Redis command (with the client's retries). Pages grow from
    :data:`FIRST_PAGE`, so a reader that stops early fetched little more than it used.
    """
    start, end = f"({after_id(after)}", after_id(until) if until is not None else "+"
    size = FIRST_PAGE
    while True:
        entries = cast(list[StreamEntry], call(partial(client.xrange, stream, start, end, count=size)))
        yield from decode_events(entries, stream)
        if len(entries) < size:
            return
        start = "(" + entries[-1][0].decode("ascii")
        size = min(size * 2, MAX_PAGE)


def read_stream_backwards(client: redis.Redis, call: Call, stream: str) -> Iterator[Event]:
    """Yield the events of ``stream`` newest first, a page at a time (pages grow as in :func:`read_stream`)."""
    end, size = "+", FIRST_PAGE
    while True:
        entries = cast(list[StreamEntry], call(partial(client.xrevrange, stream, end, "-", count=size)))
        yield from decode_events(entries, stream)
        if len(entries) < size:
            return
        end = "(" + entries[-1][0].decode("ascii")
        size = min(size * 2, MAX_PAGE)


def merge_by_offset(streams: list[Iterator[Event]]) -> Iterator[Event]:
    """Merge event iterators that are each in offset order into one in offset order."""
    if len(streams) == 1:
        return streams[0]
    return heapq.merge(*streams, key=lambda event: event.offset or 0)


def event_filter(namespace: str | None, sender: str | None) -> Callable[[Event], bool]:
    """Return a test passing events of ``namespace`` and ``sender`` (None matches any)."""
    def accept(event: Event) -> bool:
        return (namespace is None or event.namespace == namespace) and (sender is None or event.sender == sender)

    return accept
