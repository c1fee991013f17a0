"""The worker's side of a try's control: who this process is, and hearing the stops of the tries it runs.

The claim and the stop primitives are shared with the scheduler (:mod:`notification.task_control`).
One :class:`StopWatches` per worker process hears every try's stop channel through a single pattern
subscription, so watching a try costs no connection and no thread. A try is watched before it is
claimed: a stop that comes before the claim takes the claim (so the try never runs), and one that
comes after is published while the subscription hears it. The watch thread survives outages of
Redis: it subscribes again after a lost connection and then reads the stop key of every try it
watches, so a stop published while it was cut off is not missed. The try's heartbeat reads the
key too, on every beat (:mod:`workers.heartbeat`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

import redis

from aiflow.backoff import Outage
from notification.keys import TaskKeys

VISIBILITY_TIMEOUT = timedelta(days=30)
"""How long the broker waits for a job's acknowledgement before it delivers the job again."""

LISTEN_WAIT = 0.5
"""Longest wait of the stop watch's thread for a message, in seconds: how long it takes to close."""

logger = logging.getLogger(__name__)


def worker_identity() -> str:
    """Return ``<host>:<pid>``, the value of a heartbeat this process holds (and the start of its claims)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class StopWatch:
    """The watch of one try: :attr:`event` is set when its stop arrives; :meth:`close` when it has ended."""

    def __init__(self, watches: StopWatches, channel: str) -> None:
        self.event = threading.Event()
        self._watches = watches
        self._channel = channel

    def close(self) -> None:
        """Stop watching the try."""
        self._watches.forget(self._channel)


class StopWatches:
    """Hears the stop channels of every try, in one thread; sets the event of each watched try that is stopped."""

    def __init__(self, client: redis.Redis, keys: TaskKeys) -> None:
        self._client = client
        self._keys = keys
        self._watched: dict[str, StopWatch] = {}
        self._lock = threading.Lock()
        self._outage = Outage(logger, "Worker: stop watch")
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stop-watches", daemon=True)

    def start(self) -> None:
        """Begin hearing stops, in the watches' thread (tries watched before are covered once it has subscribed)."""
        self._thread.start()

    def close(self) -> None:
        """Stop hearing stops and wait for the thread to end (within :data:`LISTEN_WAIT`)."""
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join()

    def watch(self, task_execution_id: int, try_number: int) -> StopWatch:
        """Begin watching a try (before claiming it, so that no stop goes unheard)."""
        channel = self._keys.stop(task_execution_id, try_number)
        watch = StopWatch(self, channel)
        with self._lock:
            self._watched[channel] = watch
        return watch

    def forget(self, channel: str) -> None:
        """Stop watching the try whose stop channel is ``channel``."""
        with self._lock:
            self._watched.pop(channel, None)

    def _run(self) -> None:
        while not self._closed.is_set():
            try:
                self._listen()
            except redis.RedisError as exc:
                self._closed.wait(self._outage.failed(exc))

    def _listen(self) -> None:
        """Subscribe, then read the stop keys of the watched tries (stops missed meanwhile), then hear stops.

        The keys are read only once Redis has confirmed the subscription: they are read on another
        connection, which Redis may serve first, and a stop published before the subscription took
        effect would then be seen by neither.
        """
        with self._client.pubsub() as pubsub:  # type: ignore[no-untyped-call, unused-ignore]
            pubsub.psubscribe(self._keys.every_stop_channel)
            while not _is(pubsub.get_message(timeout=LISTEN_WAIT), "psubscribe"):
                if self._closed.is_set():
                    return
            self._read_stop_keys()
            self._outage.succeeded()
            while not self._closed.is_set():
                message = pubsub.get_message(timeout=LISTEN_WAIT)
                if _is(message, "pmessage"):
                    assert message is not None
                    self._stopped(_text(message["channel"]))

    def _read_stop_keys(self) -> None:
        with self._lock:
            channels = list(self._watched)
        if not channels:
            return
        pipe = self._client.pipeline(transaction=False)
        for channel in channels:
            pipe.exists(channel)  # the stop key has the channel's name
        for channel, stopped in zip(channels, pipe.execute(), strict=True):
            if stopped:
                self._stopped(channel)

    def _stopped(self, channel: str) -> None:
        with self._lock:
            watch = self._watched.get(channel)
        if watch is not None:
            watch.event.set()


def _is(message: dict[str, object] | None, kind: str) -> bool:
    return message is not None and message.get("type") == kind


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
