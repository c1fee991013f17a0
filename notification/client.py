"""The event bus client: send, list, count and listen to events on Redis Streams.

Every event is stored three times by one atomic script: in the log (all events,
in offset order), in its key's stream and in its namespace's stream, so reading
one key or one namespace never scans the events of others. Offsets come from one
counter and so are totally ordered across keys and namespaces.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from itertools import islice
from pathlib import Path
from typing import TypeVar, cast

import redis
from redis.typing import KeyT, StreamIdT

from aiflow.errors import NotFoundError
from notification.codec import StreamEntry, UndecodableEntry, after_id, decode_entry, encode_fields, offset_of
from notification.config import PASSWORD_FILE, NotificationConfig
from notification.connection import RETRY_BUDGET_S, call_with_retry, connect
from notification.event import Event
from notification.keys import EventKeys
from notification.limits import DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES, check_event
from notification.listener import BATCH as LISTEN_BATCH
from notification.listener import Listener, ListenerProcessor, ListenerRegistrationId, StreamReply
from notification.reading import event_filter, merge_by_offset, read_stream, read_stream_backwards
from notification.scripts import ScriptCall, load_script, run_pipelined
from notification.store_layout import LAYOUT_VERSION, has_namespace_streams

__all__ = ["DEFAULT_MAX_VALUE_BYTES", "DEFAULT_RETRY_WINDOW", "MAX_KEY_BYTES", "Backlog", "NotificationClient"]

#: How long a send is remembered, so that a retry of it within this window stores nothing new.
DEFAULT_RETRY_WINDOW = timedelta(minutes=10)
#: Members of the stream index read per SSCAN call while trimming.
_SCAN_PAGE = 1000
T = TypeVar("T")


@dataclass(frozen=True)
class Backlog:
    """The events of the log after some offset: how many, and how long the oldest of them has waited.

    Times are the store's (the clock that dates events), in milliseconds; ``oldest_ms`` is None when
    no event follows.
    """

    events: int
    oldest_ms: int | None
    now_ms: int

    @property
    def age_s(self) -> float:
        """Seconds since the oldest event after the offset was stored (0 when there is none)."""
        return 0.0 if self.oldest_ms is None else max(0, self.now_ms - self.oldest_ms) / 1000


class NotificationClient:
    """A connection to the event bus at ``server_uri`` (a Redis URL or ``host:port``)."""

    def __init__(
        self,
        server_uri: str,
        *,
        password_file: Path | None = None,
        keys: EventKeys | None = None,
        max_value_bytes: int = DEFAULT_MAX_VALUE_BYTES,
        history_retention: timedelta | None = None,
        retry_window: timedelta = DEFAULT_RETRY_WINDOW,
        retry_budget: float = RETRY_BUDGET_S,
    ) -> None:
        self._redis = connect(server_uri, password_file)
        self._keys = keys or EventKeys()
        self._max_value_bytes = max_value_bytes
        self._retention_ms = int(history_retention.total_seconds() * 1000) if history_retention else 0
        self._retry_window_ms = int(retry_window.total_seconds() * 1000)
        self._retry_budget = retry_budget
        self._send = load_script(self._redis, "send", with_search=True)
        self._time_to_offset = load_script(self._redis, "time_to_offset", with_search=True)
        self._trim_key = load_script(self._redis, "trim_key")
        self._trim_log = load_script(self._redis, "trim_log", with_search=True)
        self._listeners: dict[ListenerRegistrationId, Listener] = {}

    @property
    def redis(self) -> redis.Redis:
        """The underlying Redis client."""
        return self._redis

    @property
    def keys(self) -> EventKeys:
        """The names of this bus's keys."""
        return self._keys

    @classmethod
    def from_config(
        cls, config: NotificationConfig, home: Path, server_uri: str | None = None, retry_budget: float = RETRY_BUDGET_S
    ) -> NotificationClient:
        """Connect as ``notification_server.yaml`` says (``server_uri`` overrides its URL)."""
        return cls(
            server_uri or config.server_uri,
            password_file=home / PASSWORD_FILE,
            max_value_bytes=config.max_event_value_bytes,
            history_retention=config.history_retention,
            retry_budget=retry_budget,
        )

    def send_event(self, event: Event, request_id: str | None = None) -> Event:
        """Store ``event`` and return it with its offset and create time.

        ``request_id`` names this send: a retry carrying the same id within the
        retry window returns the first send's offset and stores nothing new.

        Raises:
            InvalidInputError: a field is not text, the key or namespace is empty, or a
                field is over its bound (:mod:`notification.limits`); nothing is stored.
        """
        keys, args = self._send_call(event, request_id)
        offset, create_time = self._call(lambda: self._send(keys=keys, args=args))
        return replace(event, offset=int(offset), create_time=int(create_time))

    def send_events(self, sends: Sequence[tuple[Event, str | None]]) -> list[Event]:
        """Store each ``(event, request_id)`` in order, in one round trip; return them as :meth:`send_event` does.

        Every event is checked before any is stored. A retry after a dropped connection sends them all
        again under the same request ids, so none is stored twice.

        Raises:
            InvalidInputError: as :meth:`send_event`, for any of the events; nothing is stored.
        """
        calls = [self._send_call(event, request_id) for event, request_id in sends]
        replies = self._call(lambda: run_pipelined(self._redis, self._send, calls))
        return [replace(event, offset=int(offset), create_time=int(create_time))
                for (event, _), (offset, create_time) in zip(sends, replies, strict=True)]

    def _send_call(self, event: Event, request_id: str | None) -> ScriptCall:
        """Check ``event`` and return the keys and arguments of its send script."""
        check_event(event, self._max_value_bytes)
        keys = [
            self._keys.meta, self._keys.log, self._keys.key_stream(event.key),
            self._keys.sent(request_id or uuid.uuid4().hex), self._keys.key_index,
        ]
        if event.namespace is not None:
            keys.append(self._keys.namespace_stream(event.namespace))
        return keys, [self._retry_window_ms, self._retention_ms, LAYOUT_VERSION, *encode_fields(event)]

    def list_events(
        self,
        key: str | Iterable[str] | None = None,
        namespace: str | None = None,
        sender: str | None = None,
        begin_offset: int | None = None,
        end_offset: int | None = None,
        begin_time: datetime | None = None,
        limit: int | None = None,
    ) -> list[Event]:
        """Return the matching events after ``begin_offset`` up to ``end_offset`` (inclusive).

        ``key`` may be one key, several, or None for every key; ``namespace`` and
        ``sender`` of None match any. ``limit`` stops after that many events.
        """
        return list(islice(self.iter_events(key, namespace, sender, begin_offset, end_offset, begin_time), limit))

    def iter_events(
        self,
        key: str | Iterable[str] | None = None,
        namespace: str | None = None,
        sender: str | None = None,
        begin_offset: int | None = None,
        end_offset: int | None = None,
        begin_time: datetime | None = None,
    ) -> Iterator[Event]:
        """Yield what :meth:`list_events` returns, reading Redis a page at a time as it is consumed.

        Without a key, the events of one namespace are read from that namespace's
        stream alone; with keys, from those keys' streams.
        """
        begin = begin_offset or 0
        if begin_time is not None:
            begin = max(begin, self.time_to_offset(begin_time))
        streams = self._streams(key, namespace)
        accept = event_filter(namespace, sender)
        pages = [read_stream(self._redis, self._call, stream, begin, end_offset) for stream in streams]
        return (event for event in merge_by_offset(pages) if accept(event))

    def latest_events(
        self, key: str | None = None, namespace: str | None = None, sender: str | None = None, limit: int = 50,
        scan: int = 10_000,
    ) -> list[Event]:
        """Return up to ``limit`` of the newest matching events, newest first, looking at most ``scan`` back."""
        stream = self._keys.key_stream(key) if key is not None else self._stream_of(namespace) or self._keys.log
        accept = event_filter(namespace, sender)
        newest = islice(read_stream_backwards(self._redis, self._call, stream), scan)
        return list(islice((event for event in newest if accept(event)), limit))

    def count_events(
        self,
        key: str | Iterable[str] | None = None,
        namespace: str | None = None,
        sender: str | None = None,
        begin_offset: int | None = None,
        end_offset: int | None = None,
        begin_time: datetime | None = None,
    ) -> int:
        """Return how many events :meth:`list_events` would return for the same filters.

        Counting a whole namespace (or the whole log) with no other filter takes the
        stream's length without reading it; entries someone else added to that
        stream are then counted too.
        """
        unfiltered = sender is None and begin_offset is None and end_offset is None and begin_time is None
        stream = self._stream_of(namespace) if key is None and unfiltered else None
        if stream is not None:
            return int(self._call(lambda: self._redis.xlen(stream)))
        return sum(1 for _ in self.iter_events(key, namespace, sender, begin_offset, end_offset, begin_time))

    def time_to_offset(self, time: datetime) -> int:
        """Return the offset of the last event created before ``time`` (0 when there is none).

        Events created at or after ``time`` all have greater offsets.
        """
        keys = [self._keys.meta, self._keys.log]
        return int(self._call(lambda: self._time_to_offset(keys=keys, args=[_to_ms(time)])))

    def read_log(self, after: int, count: int, block_ms: int) -> list[Event | UndecodableEntry]:
        """Return up to ``count`` entries of the log after offset ``after``, in log order.

        Every entry returned has a larger id than ``<after>-*``, so a reader that goes
        on after the last entry's offset never reads an entry twice, even one someone
        else added at ``<offset>-<n>``. Entries that are not events come back as
        :class:`~notification.codec.UndecodableEntry` for the reader to record.
        Waits up to ``block_ms`` for the first one when there is none yet; for a
        reader (the scheduler) that keeps its own position.
        """
        reply = cast(StreamReply, self._call(
            lambda: self._redis.xread({self._keys.log: after_id(after)}, count=count, block=block_ms)))
        entries = reply[0][1] if reply else []
        return [decode_entry(*entry) for entry in entries]

    def wait_for_events(
        self, after: int, timeout: float, key: str | None = None, namespace: str | None = None
    ) -> int | None:
        """Block up to ``timeout`` seconds until events of ``key`` (else of ``namespace``) follow offset ``after``.

        Returns the offset of the newest entry read (up to a batch of them), which the
        caller waits after next time, or None when none came in time. For a caller
        that then lists the events with its own filters (a long-polling API request).
        """
        cursors: dict[KeyT, StreamIdT] = {stream: after_id(after) for stream in self._streams(key, namespace)}
        block_ms = max(1, int(timeout * 1000))  # 0 would block forever
        reply = cast(StreamReply, self._call(lambda: self._redis.xread(cursors, count=LISTEN_BATCH, block=block_ms)))
        newest = [offset_of(entries[-1][0]) for _, entries in reply or [] if entries]
        return max(newest, default=None)

    def latest_offset(self) -> int:
        """Return the offset of the newest event ever stored (0 on an empty bus)."""
        return int(self._call(lambda: self._redis.hget(self._keys.meta, "offset")) or 0)

    def backlog(self, after: int) -> Backlog:
        """Return how far the log runs past offset ``after``, by the store's clock, in one round trip."""
        def read() -> list[object]:
            with self._redis.pipeline(transaction=False) as pipe:
                pipe.hget(self._keys.meta, "offset")
                pipe.xrange(self._keys.log, f"({after_id(after)}", "+", count=1)
                pipe.time()
                return cast(list[object], pipe.execute())

        newest, entries, (seconds, micros) = cast(tuple[bytes | None, list[StreamEntry], tuple[int, int]],
                                                  self._call(read))
        first = decode_entry(*entries[0]) if entries else None
        oldest_ms = first.create_time if isinstance(first, Event) else None
        return Backlog(max(0, int(newest or 0) - after), oldest_ms, seconds * 1000 + micros // 1000)

    def register_listener(
        self,
        processor: ListenerProcessor,
        event_keys: Iterable[str] | None = None,
        begin_offset: int | None = None,
        begin_time: datetime | None = None,
        namespace: str | None = None,
        sender: str | None = None,
    ) -> ListenerRegistrationId:
        """Deliver matching events to ``processor`` in a background thread, in offset order.

        Delivery starts after ``begin_offset``, or at ``begin_time``, or else with
        the next event stored. ``event_keys`` of None (or empty) listens to every key
        (of ``namespace`` only, read from its own stream, when one is given).
        """
        start = self._start_offset(begin_offset, begin_time)
        streams = [self._keys.key_stream(k) for k in event_keys] if event_keys else self._streams(None, namespace)
        listener = Listener(self._redis, streams, start, processor, event_filter(namespace, sender))
        registration_id = uuid.uuid4().hex
        self._listeners[registration_id] = listener
        listener.start()
        return registration_id

    def unregister_listener(self, registration_id: ListenerRegistrationId) -> None:
        """Stop the listener ``registration_id`` and wait for its thread to end."""
        listener = self._listeners.pop(registration_id, None)
        if listener is None:
            raise NotFoundError(f"no listener registered with id {registration_id!r}")
        listener.stop()
        listener.join()

    def trim_history(self) -> int:
        """Trim the log and every key's and namespace's stream to the retention; return how many were dropped.

        Sends trim the log and their own streams as they go; this sweep reaches
        streams that no longer receive events and drops those left empty. It reads
        the index of streams a page at a time.
        """
        if self._retention_ms:
            self._call(lambda: self._trim_log(keys=[self._keys.meta, self._keys.log], args=[self._retention_ms]))
        dropped = 0
        for stream in self._redis.sscan_iter(self._keys.key_index, count=_SCAN_PAGE):
            trim = partial(self._trim_key, keys=[self._keys.meta, stream, self._keys.key_index])
            dropped += int(self._call(trim))
        return dropped

    def close(self) -> None:
        """Stop every listener and close the connections."""
        listeners = list(self._listeners.values())
        self._listeners.clear()
        for listener in listeners:
            listener.stop()
        for listener in listeners:
            listener.join()
        self._redis.close()

    def __enter__(self) -> NotificationClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, command: Callable[[], T]) -> T:
        return call_with_retry(command, self._retry_budget)

    def _start_offset(self, begin_offset: int | None, begin_time: datetime | None) -> int:
        if begin_offset is not None:
            return begin_offset
        if begin_time is not None:
            return self.time_to_offset(begin_time)
        return self.latest_offset()

    def _streams(self, key: str | Iterable[str] | None, namespace: str | None) -> list[str]:
        """The streams holding every event of ``key`` (or of ``namespace`` when key is None)."""
        if key is not None:
            return [self._keys.key_stream(k) for k in ([key] if isinstance(key, str) else key)]
        return [self._stream_of(namespace) or self._keys.log]

    def _stream_of(self, namespace: str | None) -> str | None:
        """The stream holding exactly the events of ``namespace`` (of all when None); None on a layout 1 store."""
        if namespace is None:
            return self._keys.log
        if self._call(lambda: has_namespace_streams(self._redis, self._keys)):
            return self._keys.namespace_stream(namespace)
        return None


def _to_ms(time: datetime) -> int:
    return int(time.timestamp() * 1000)
