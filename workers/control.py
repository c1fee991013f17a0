"""The worker's side of a try's control: who this process is, and the stop watch of a try it runs.

The claim and the stop primitives are shared with the scheduler (:mod:`notification.task_control`).
A :class:`StopWatch` listens on the try's stop channel from the claim until the try ends. Its
thread survives outages of Redis: it subscribes again after a lost connection and then reads the
stop key, so a stop published while it was cut off is not missed. The try's heartbeat reads the
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
from notification.task_control import TaskControl

VISIBILITY_TIMEOUT = timedelta(days=30)
"""How long the broker waits for a job's acknowledgement before it delivers the job again."""

LISTEN_WAIT = 0.1
"""Longest wait of a stop watch's thread for a message, in seconds: how long it outlives its try."""

logger = logging.getLogger(__name__)


def worker_identity() -> str:
    """Return ``<host>:<pid>``, the value of a heartbeat this process holds (and the start of its claims)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class StopWatch:
    """Listens on a try's stop channel in a thread; :attr:`event` is set when a stop arrives."""

    def __init__(self, client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int) -> None:
        self.event = threading.Event()
        self._client = client
        self._control = TaskControl(client, keys)
        self._ids = (task_execution_id, try_number)
        self._channel = keys.stop(task_execution_id, try_number)
        self._closed = threading.Event()
        self._outage = Outage(logger, f"Worker: stop watch of task execution {task_execution_id} try {try_number}")
        self._thread = threading.Thread(target=self._run, name=f"stop-watch-{task_execution_id}-{try_number}",
                                        daemon=True)

    def start(self) -> None:
        """Begin listening (in the watch's thread); a stop that came before is found in the stop key."""
        self._thread.start()

    def close(self) -> None:
        """Stop listening, without waiting: the thread ends and closes its subscription within its wait."""
        self._closed.set()

    def _run(self) -> None:
        while not self._done():
            try:
                self._listen()
            except redis.RedisError as exc:
                self._closed.wait(self._outage.failed(exc))

    def _listen(self) -> None:
        """Subscribe, then read the stop key (so nothing is missed in between), then wait for a message.

        The key is read only once Redis has confirmed the subscription: the key is read on another
        connection, which Redis may serve first, and a stop published before the subscription took
        effect would then be seen by neither.
        """
        with self._client.pubsub() as pubsub:  # type: ignore[no-untyped-call, unused-ignore]
            pubsub.subscribe(self._channel)
            while not self._done() and not _is(pubsub.get_message(timeout=LISTEN_WAIT), "subscribe"):
                pass
            if self._control.stop_requested(*self._ids):
                self.event.set()
            self._outage.succeeded()
            while not self._done():
                if _is(pubsub.get_message(timeout=LISTEN_WAIT), "message"):
                    self.event.set()

    def _done(self) -> bool:
        return self._closed.is_set() or self.event.is_set()


def _is(message: dict[str, object] | None, kind: str) -> bool:
    return message is not None and message.get("type") == kind
