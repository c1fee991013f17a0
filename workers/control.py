"""Who runs a try, and how a stop reaches it: the claim, the stop key and the stop channel.

Every try has one claim key, taken with ``SET NX`` by the first of:

* the start job, which then runs the try (value ``run <host>:<pid>``);
* the stop job of a try that no worker has taken yet (value ``stopped``),
  which then reports STOPPED itself, so the try never starts.

Whoever holds the claim reports the try's final status, so each status is
reported once however often a job is delivered. A stop of a claimed try sets
the stop key and publishes on the stop channel (same name): the worker running
it hears the message at once, and the key covers a stop that arrives between
the claim and the subscription, or while the subscription is reconnecting.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

import redis
from redis.client import PubSub, PubSubWorkerThread

from notification.keys import TaskKeys

VISIBILITY_TIMEOUT = timedelta(days=30)
"""How long the broker waits for a job's acknowledgement before it delivers the job again."""

CLAIM_TTL = VISIBILITY_TIMEOUT + timedelta(days=1)
"""How long a claim outlives the last heartbeat of its try; longer than any redelivery delay."""

STOPPED_CLAIM = "stopped"

LISTEN_WAIT = 0.1
"""Longest wait of a stop watch's thread for a message, in seconds: how long it outlives its try."""

logger = logging.getLogger(__name__)


def worker_identity() -> str:
    """Return ``<host>:<pid>``, the value of a claim or heartbeat this process holds."""
    return f"{socket.gethostname()}:{os.getpid()}"


def claim_to_run(client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int) -> bool:
    """Take the try's claim to run it; False when someone (a delivery or a stop) already has it."""
    key = keys.claim(task_execution_id, try_number)
    return bool(client.set(key, f"run {worker_identity()}", nx=True, ex=CLAIM_TTL))


def request_stop(client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int) -> bool:
    """Stop a try wherever it runs; return True when it had not started and now never will.

    The caller that gets True reports STOPPED; otherwise the worker holding the
    claim ends the try (if it still runs) and reports its outcome.
    """
    claim = keys.claim(task_execution_id, try_number)
    if client.set(claim, STOPPED_CLAIM, nx=True, ex=CLAIM_TTL):
        return True
    stop = keys.stop(task_execution_id, try_number)
    pipe = client.pipeline()
    pipe.set(stop, "1", ex=CLAIM_TTL)
    pipe.publish(stop, "stop")
    pipe.execute()
    return False


def stop_requested(client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int) -> bool:
    """Return whether a stop of the try has been requested."""
    return bool(client.exists(keys.stop(task_execution_id, try_number)))


class StopWatch:
    """Listens on a try's stop channel in a thread; :attr:`event` is set when a stop arrives."""

    def __init__(self, client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int) -> None:
        self.event = threading.Event()
        self._client = client
        self._ids = (task_execution_id, try_number)
        self._keys = keys
        self._pubsub: PubSub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        self._thread: PubSubWorkerThread | None = None

    def start(self) -> None:
        """Subscribe, then check the stop key, so no stop is missed in between."""
        self._pubsub.subscribe(**{self._keys.stop(*self._ids): lambda _message: self.event.set()})
        self._thread = self._pubsub.run_in_thread(sleep_time=LISTEN_WAIT, daemon=True)
        self.check()

    def check(self) -> bool:
        """Look at the stop key (covers messages lost while reconnecting); return whether a stop came."""
        try:
            if stop_requested(self._client, self._keys, *self._ids):
                self.event.set()
        except redis.RedisError as exc:
            logger.warning("Stop watch %s: stop key not read: %s", self._keys.stop(*self._ids), exc)
        return self.event.is_set()

    def close(self) -> None:
        """Stop listening, without waiting: the thread ends and closes the subscription within its wait."""
        if self._thread is not None:
            self._thread.stop()
        else:
            self._pubsub.close()
