"""Preparing, checking and removing the event store's keys (``notification db ...``).

The store needs no consumer groups: every reader keeps its own position (the
scheduler keeps its offset in the metadata database), so preparing the store
means creating the offset counter and recording the layout version.
"""

from __future__ import annotations

import redis

from aiflow.errors import InvalidInputError
from notification.keys import EventKeys

#: Version of the key layout described in :mod:`notification.keys` and :mod:`notification.codec`.
LAYOUT_VERSION = 1


def init_store(client: redis.Redis, keys: EventKeys) -> int:
    """Create the offset counter and record the layout version if absent; return the version."""
    client.hsetnx(keys.meta, "offset", 0)
    client.hsetnx(keys.meta, "layout", LAYOUT_VERSION)
    return stored_version(client, keys)


def stored_version(client: redis.Redis, keys: EventKeys) -> int:
    """Return the layout version recorded in Redis (0 for a store never prepared)."""
    return int(client.hget(keys.meta, "layout") or 0)


def reset_store(client: redis.Redis, keys: EventKeys) -> int:
    """Delete every key of the event store (and nothing else); return how many were deleted."""
    deleted = 0
    pipe = client.pipeline(transaction=False)
    for name in client.scan_iter(match=_escape(keys.log) + "*", count=1000):
        pipe.unlink(name)
        deleted += 1
    pipe.execute()
    return deleted


def migrate_store(client: redis.Redis, keys: EventKeys, version: str) -> int:
    """Move the store to ``version``: ``heads`` or the current version prepares it, ``base`` removes it.

    Raises:
        InvalidInputError: ``version`` is not one this release knows.
    """
    if version in ("heads", "head", str(LAYOUT_VERSION)):
        return init_store(client, keys)
    if version in ("base", "0"):
        reset_store(client, keys)
        return 0
    raise InvalidInputError(f"unknown event store version {version!r}; known: base, {LAYOUT_VERSION}")


def _escape(pattern: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in pattern)
