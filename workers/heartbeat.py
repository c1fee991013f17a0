"""Liveness of a try: a key with a TTL, refreshed by a thread from the claim to the final report.

The claim sets the first beat (:meth:`notification.task_control.TaskControl.claim_to_run`); a
:class:`Heartbeat` thread then beats every ``interval`` seconds through preparing the package,
launching, running and reporting, and the key is removed only after the final status is stored
(:meth:`Heartbeat.end`). So the scheduler, which fails a claimed try without a heartbeat
(docs/contracts.md §3), never sees one whose worker lives and reaches Redis.

Each beat also extends the try's claim, so a job delivered again while the try runs finds the claim
and does nothing, and reads the try's stop key, so a stop sent while the worker was cut off from
Redis is seen once it is back. A failed beat is logged once per outage, never raised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis

from aiflow.backoff import Outage
from notification.keys import TaskKeys
from notification.task_control import CLAIM_TTL
from workers.control import worker_identity

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats for one try every ``interval`` seconds, each beat living ``timeout`` seconds, in a thread.

    ``on_stop`` is called (from the thread) after a beat that found the try's stop key.
    """

    def __init__(self, client: redis.Redis, keys: TaskKeys, task_execution_id: int, try_number: int,
                 interval: float, timeout: float, on_stop: Callable[[], None]) -> None:
        self._client = client
        self._key = keys.heartbeat(task_execution_id, try_number)
        self._claim = keys.claim(task_execution_id, try_number)
        self._stop = keys.stop(task_execution_id, try_number)
        self._interval = interval
        self._ttl_ms = max(1, round(timeout * 1000))
        self._on_stop = on_stop
        self._ended = threading.Event()
        #: When the last beat was stored (``time.monotonic``); the claim stored the first one.
        self.last_beat = time.monotonic()
        self._outage = Outage(logger, f"Worker: heartbeat of task execution {task_execution_id} try {try_number}")
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{task_execution_id}-{try_number}",
                                        daemon=True)

    def start(self) -> None:
        """Begin beating; the first beat is due ``interval`` after the claim set one."""
        self._thread.start()

    def end(self) -> None:
        """Stop beating and remove the key: the try's final status is stored.

        A key that cannot be removed expires by itself; the scheduler then ignores its absence,
        as the try has ended.
        """
        self._ended.set()
        self._thread.join()
        try:
            self._client.delete(self._key)
        except redis.RedisError as exc:
            logger.warning("Worker: heartbeat %s not removed (it expires by itself): %s", self._key, exc)

    def _run(self) -> None:
        wait = self._interval
        while not self._ended.wait(wait):
            wait = self._beat()

    def _beat(self) -> float:
        """Refresh the key and the claim, look at the stop key; return the wait before the next beat."""
        try:
            pipe = self._client.pipeline()
            pipe.set(self._key, worker_identity(), px=self._ttl_ms)
            pipe.expire(self._claim, CLAIM_TTL)
            pipe.exists(self._stop)
            stopped = pipe.execute()[-1]
        except redis.RedisError as exc:
            return min(self._outage.failed(exc), self._interval)
        self.last_beat = time.monotonic()
        self._outage.succeeded()
        if stopped:
            self._on_stop()
        return self._interval
