"""Liveness of a running try: a key with a TTL, refreshed while its process lives (as in rq).

The scheduler treats a RUNNING try whose heartbeat key is missing as dead
(docs/contracts.md, section 3). Each beat also extends the try's claim, so a
job delivered again while the try still runs finds the claim and does nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis

from notification.keys import TaskKeys
from workers.control import CLAIM_TTL, worker_identity

logger = logging.getLogger(__name__)


class Heartbeat:
    """Beats for one try every ``interval`` seconds, each beat living ``timeout`` seconds."""

    def __init__(
        self,
        client: redis.Redis,
        keys: TaskKeys,
        task_execution_id: int,
        try_number: int,
        interval: float,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._key = keys.heartbeat(task_execution_id, try_number)
        self._claim = keys.claim(task_execution_id, try_number)
        self._interval = interval
        self._timeout = max(1, round(timeout))
        self._clock = clock
        self._next_beat = float("-inf")

    def beat_if_due(self) -> bool:
        """Refresh the key when ``interval`` has passed since the last beat; return whether it beat.

        A failed beat is logged, not raised: the try goes on, and if Redis stays
        away long enough the scheduler rightly considers it lost.
        """
        now = self._clock()
        if now < self._next_beat:
            return False
        try:
            pipe = self._client.pipeline()
            pipe.set(self._key, worker_identity(), ex=self._timeout)
            pipe.expire(self._claim, CLAIM_TTL)
            pipe.execute()
        except redis.RedisError as exc:
            logger.warning("Heartbeat %s: not sent: %s", self._key, exc)
            return False
        self._next_beat = now + self._interval
        return True

    def end(self) -> None:
        """Remove the key: the try is over (its final status follows)."""
        self._client.delete(self._key)
