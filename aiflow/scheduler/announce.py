"""Telling open pages what changed: one message on a Redis pub/sub channel after each batch commits.

The message (on :attr:`notification.keys.EventKeys.changes`, ``<prefix>:changes``) is JSON::

    {"executions": [[execution_id, namespace], ...], "last_step": <newest task_timeline id, or 0>}

It lists the workflow executions whose rows (execution, task executions, timeline steps) the
committed transactions changed, so a subscriber reads only what changed (the steps after the last
id it has) instead of polling. Pub/sub delivers to whoever listens now and keeps nothing: a
subscriber that was away resyncs from the database. So a publish that fails (Redis away) is only
logged, and never fails or repeats the batch.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import redis

from notification.client import NotificationClient

logger = logging.getLogger(__name__)


@dataclass
class Changes:
    """The executions (id to namespace) whose rows committed transactions changed, and the newest step id."""

    executions: dict[int, str] = field(default_factory=dict)
    last_step: int = 0

    def add(self, execution_id: int, namespace: str) -> None:
        self.executions[execution_id] = namespace

    def update(self, other: Changes) -> None:
        """Add what ``other`` holds (committed after what this holds)."""
        self.executions.update(other.executions)
        self.last_step = max(self.last_step, other.last_step)

    def __bool__(self) -> bool:
        return bool(self.executions)

    def to_json(self) -> str:
        return json.dumps({"executions": [[execution_id, namespace] for execution_id, namespace
                                          in sorted(self.executions.items())], "last_step": self.last_step},
                          separators=(",", ":"))


class Announcer:
    """Publishes :class:`Changes` on the bus's changes channel, at most once per call, never raising for Redis."""

    def __init__(self, bus: NotificationClient) -> None:
        self._redis = bus.redis
        self._channel = bus.keys.changes

    def announce(self, changes: Changes) -> None:
        """Publish ``changes`` if there are any; a failure is logged at DEBUG (subscribers resync)."""
        if not changes:
            return
        try:
            self._redis.publish(self._channel, changes.to_json())
        except redis.RedisError as exc:
            logger.debug("Scheduler: changes of %s executions not announced: %s", len(changes.executions), exc)
