"""The event bus client: send, list, count and listen to events on Redis Streams.

Every event is stored twice by one atomic script: in the log (all events, in
offset order) and in its key's stream, so reading one key never scans the
events of other keys. Offsets come from one counter and so are totally ordered
across keys and namespaces.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TypeVar, cast

import redis

from aiflow.errors import InvalidInputError, NotFoundError
from notification.codec import UndecodableEntry, decode_entry, encode_fields, entry_id
from notification.config import PASSWORD_FILE, NotificationConfig
from notification.connection import RETRY_BUDGET_S, call_with_retry, connect
from notification.event import Event
from notification.keys import EventKeys
from notification.listener import Listener, ListenerProcessor, ListenerRegistrationId, StreamReply
from notification.scripts import load_script

MAX_KEY_BYTES = 1024
DEFAULT_MAX_VALUE_BYTES = 1024 * 1024
#: How long a send is remembered, so that a retry of it within this window stores nothing new.
DEFAULT_RETRY_WINDOW = timedelta(minutes=10)
_PAGE = 1000
T = TypeVar("T")
Entries = list[tuple[bytes, dict[bytes, bytes]]]


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
        self._listeners: dict[ListenerRegistrationId, Listener] = {}

    @property
    def redis(self) -> redis.Redis:
        """The underlying Redis client."""
        return self._redis

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
            InvalidInputError: the key is empty or over 1 KiB, or the value is over the limit.
        """
        self._check(event)
        keys = [
            self._keys.meta, self._keys.log, self._keys.key_stream(event.key),
            self._keys.sent(request_id or uuid.uuid4().hex), self._keys.key_index,
        ]
        args: list[str | int] = [self._retry_window_ms, self._retention_ms, *encode_fields(event)]
        offset, create_time = self._call(lambda: self._send(keys=keys, args=args))
        return replace(event, offset=int(offset), create_time=int(create_time))

    def list_events(
        self,
        key: str | Iterable[str] | None = None,
        namespace: str | None = None,
        sender: str | None = None,
        begin_offset: int | None = None,
        end_offset: int | None = None,
        begin_time: datetime | None = None,
    ) -> list[Event]:
        """Return the matching events after ``begin_offset`` up to ``end_offset`` (inclusive).

        ``key`` may be one key, several, or None for every key; ``namespace`` and
        ``sender`` of None match any.
        """
        return list(self._scan(key, namespace, sender, begin_offset, end_offset, begin_time))

    def count_events(
        self,
        key: str | Iterable[str] | None = None,
        namespace: str | None = None,
        sender: str | None = None,
        begin_offset: int | None = None,
        end_offset: int | None = None,
        begin_time: datetime | None = None,
    ) -> int:
        """Return how many events :meth:`list_events` would return for the same filters."""
        return sum(1 for _ in self._scan(key, namespace, sender, begin_offset, end_offset, begin_time))

    def time_to_offset(self, time: datetime) -> int:
        """Return the offset of the last event created before ``time`` (0 when there is none).

        Events created at or after ``time`` all have greater offsets.
        """
        keys = [self._keys.meta, self._keys.log]
        return int(self._call(lambda: self._time_to_offset(keys=keys, args=[_to_ms(time)])))

    def read_log(self, after: int, count: int, block_ms: int) -> list[Event | UndecodableEntry]:
        """Return up to ``count`` events of every key after offset ``after``, in offset order.

        Waits up to ``block_ms`` for the first one when there is none yet; for a
        reader (the scheduler) that keeps its own position.
        """
        reply = cast(StreamReply, self._call(
            lambda: self._redis.xread({self._keys.log: entry_id(after)}, count=count, block=block_ms)))
        entries = reply[0][1] if reply else []
        return [decode_entry(*entry) for entry in entries]

    def latest_offset(self) -> int:
        """Return the offset of the newest event ever stored (0 on an empty bus)."""
        return int(self._call(lambda: self._redis.hget(self._keys.meta, "offset")) or 0)

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
        the next event stored. ``event_keys`` of None (or empty) listens to every key.
        """
        start = self._start_offset(begin_offset, begin_time)
        streams = [self._keys.key_stream(k) for k in event_keys] if event_keys else [self._keys.log]
        listener = Listener(self._redis, streams, start, processor, _filter(namespace, sender))
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
        """Trim every key's stream to the retention boundary; return how many empty keys were dropped.

        Sends trim the log and their own key as they go; this sweep reaches keys
        that no longer receive events.
        """
        dropped = 0
        for stream in self._redis.sscan_iter(self._keys.key_index, count=_PAGE):
            dropped += int(self._trim_key(keys=[self._keys.meta, stream, self._keys.key_index]))
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

    def _page(self, stream: str, start: str, end: str) -> Entries:
        return cast(Entries, self._call(lambda: self._redis.xrange(stream, start, end, count=_PAGE)))

    def _check(self, event: Event) -> None:
        key_bytes = len(event.key.encode("utf-8")) if isinstance(event.key, str) else 0
        if not key_bytes:
            raise InvalidInputError("an event needs a non-empty string key")
        if key_bytes > MAX_KEY_BYTES:
            raise InvalidInputError(f"event key is {key_bytes} bytes; the limit is {MAX_KEY_BYTES}")
        value_bytes = len(event.value.encode("utf-8")) if event.value is not None else 0
        if value_bytes > self._max_value_bytes:
            raise InvalidInputError(f"event value is {value_bytes} bytes; the limit is {self._max_value_bytes}")

    def _start_offset(self, begin_offset: int | None, begin_time: datetime | None) -> int:
        if begin_offset is not None:
            return begin_offset
        if begin_time is not None:
            return self.time_to_offset(begin_time)
        return self.latest_offset()

    def _scan(
        self,
        key: str | Iterable[str] | None,
        namespace: str | None,
        sender: str | None,
        begin_offset: int | None,
        end_offset: int | None,
        begin_time: datetime | None,
    ) -> Iterator[Event]:
        begin = begin_offset or 0
        if begin_time is not None:
            begin = max(begin, self.time_to_offset(begin_time))
        if key is None:
            streams = [self._keys.log]
        else:
            streams = [self._keys.key_stream(k) for k in ([key] if isinstance(key, str) else key)]
        pages = [self._read_stream(stream, begin, end_offset) for stream in streams]
        accept = _filter(namespace, sender)
        merged = heapq.merge(*pages, key=lambda event: event.offset or 0) if len(pages) > 1 else pages[0]
        return (event for event in merged if accept(event))

    def _read_stream(self, stream: str, after: int, until: int | None) -> Iterator[Event]:
        """Yield the stream's events with ``after < offset <= until``, a page at a time."""
        end = entry_id(until) if until is not None else "+"
        while True:
            entries = self._page(stream, f"({entry_id(after)}", end)
            for entry in entries:
                event = decode_entry(*entry)
                after = event.offset or after
                yield event
            if len(entries) < _PAGE:
                return


def _filter(namespace: str | None, sender: str | None) -> Callable[[Event], bool]:
    def accept(event: Event) -> bool:
        return (namespace is None or event.namespace == namespace) and (sender is None or event.sender == sender)

    return accept


def _to_ms(time: datetime) -> int:
    return int(time.timestamp() * 1000)
