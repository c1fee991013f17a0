"""Preparing, upgrading, identifying and removing the event store (``notification db ...``).

The store needs no consumer groups: every reader keeps its own position (the
scheduler keeps its offset in the metadata database), so preparing it means
creating the offset counter, recording the layout version and naming the store.

Layouts: 1 keeps the log and a stream per key; 2 adds a stream per namespace.
A store is upgraded in place from its log, a page at a time.
"""

from __future__ import annotations

import logging
import uuid
from itertools import islice
from typing import cast

import redis

from aiflow.errors import InvalidInputError
from notification.keys import EventKeys, TaskKeys
from notification.scripts import load_script

logger = logging.getLogger(__name__)

#: Version of the key layout described in :mod:`notification.keys` and :mod:`notification.codec`.
LAYOUT_VERSION = 2
#: Log entries copied per script call while upgrading to layout 2.
_BACKFILL_PAGE = 1000
_SCAN_PAGE = 1000
_VERSION_NAMES = {"heads": LAYOUT_VERSION, "head": LAYOUT_VERSION, "2": 2, "1": 1, "base": 0, "0": 0}


def init_store(client: redis.Redis, keys: EventKeys) -> int:
    """Prepare the store if it is not yet and give it an id; return its layout version.

    A new store gets the current layout; one that already holds events keeps the
    version it has (:func:`migrate_store` upgrades it).
    """
    client.hsetnx(keys.meta, "offset", 0)
    client.hsetnx(keys.meta, "layout", stored_version(client, keys) or LAYOUT_VERSION)
    store_id(client, keys)
    return stored_version(client, keys)


def stored_version(client: redis.Redis, keys: EventKeys) -> int:
    """Return the layout version of the store (0 for a store never prepared nor used).

    A store used by a release that recorded no layout counts as layout 1.
    """
    layout, offset = cast(list[bytes | None], client.hmget(keys.meta, ["layout", "offset"]))
    if layout is not None:
        return int(layout)
    return 1 if int(offset or 0) > 0 else 0


def has_namespace_streams(client: redis.Redis, keys: EventKeys) -> bool:
    """Whether every event of the store is in its namespace's stream (layout 2, or a store still empty)."""
    return stored_version(client, keys) != 1


def store_id(client: redis.Redis, keys: EventKeys) -> str:
    """Return the store's own id (a random hex string), creating it on first call.

    A store that is reset (``notification db reset``, or Redis flushed) gets a new
    id, so whoever remembered the old one can tell it is another store.
    """
    pipe = client.pipeline(transaction=True)
    pipe.hsetnx(keys.meta, "store_id", uuid.uuid4().hex)
    pipe.hget(keys.meta, "store_id")
    return cast(bytes, pipe.execute()[1]).decode()


def paired_database(client: redis.Redis, keys: EventKeys) -> str | None:
    """Return the id of the metadata database this store belongs to, if one was recorded."""
    value = cast(bytes | None, client.hget(keys.meta, "database_id"))
    return value.decode() if value is not None else None


def pair_database(client: redis.Redis, keys: EventKeys, database_id: str) -> None:
    """Record that this store belongs to the metadata database ``database_id``."""
    client.hset(keys.meta, "database_id", database_id)


def delete_task_keys(client: redis.Redis, task_keys: TaskKeys) -> int:
    """Delete the keys of every try (claims, heartbeats, stops, logs); return how many were deleted.

    For a bus that is paired with a new database, whose ids start again.
    """
    return _delete_matching(client, _escape(task_keys.every_try_prefix) + "*")


def reset_store(client: redis.Redis, keys: EventKeys) -> int:
    """Delete every key of the event store (and nothing else); return how many were deleted."""
    return _delete_matching(client, _escape(keys.log) + "*")


def migrate_store(client: redis.Redis, keys: EventKeys, version: str) -> int:
    """Move the store to ``version`` (``heads``, ``2``, ``1``, or ``base`` which removes it); return it.

    Upgrading to 2 copies the log into the namespace streams; it is safe to repeat
    or to resume after an interruption, and sends may go on meanwhile.

    Raises:
        InvalidInputError: ``version`` is not one this release knows.
    """
    target = _VERSION_NAMES.get(version)
    if target is None:
        raise InvalidInputError(f"unknown event store version {version!r}; known: base, 1, {LAYOUT_VERSION}")
    if target == 0:
        reset_store(client, keys)
        return 0
    current = init_store(client, keys)
    if current < target:
        _backfill_namespaces(client, keys)
    elif current > target:
        _drop_namespace_streams(client, keys)
    return stored_version(client, keys)


def _backfill_namespaces(client: redis.Redis, keys: EventKeys) -> None:
    """Upgrade 1 -> 2: copy every event of the log into its namespace's stream."""
    script = load_script(client, "backfill_namespaces", with_search=True)
    after: bytes = b"0-0"
    pages = 0
    while True:
        done, after = cast(tuple[int, bytes], script(
            keys=[keys.meta, keys.log, keys.key_index],
            args=[after, _BACKFILL_PAGE, keys.namespace_stream_prefix, 2],
        ))
        pages += 1
        if done:
            logger.info("Event store: namespace streams filled from %s page(s) of the log", pages)
            return


def _drop_namespace_streams(client: redis.Redis, keys: EventKeys) -> None:
    """Downgrade 2 -> 1: stop filling the namespace streams, then delete them."""
    client.hset(keys.meta, "layout", 1)
    _delete_matching(client, _escape(keys.namespace_stream_prefix) + "*", index=keys.key_index)


def _delete_matching(client: redis.Redis, pattern: str, index: str | None = None) -> int:
    """Delete the keys matching ``pattern`` a page at a time (dropping them from ``index`` too)."""
    deleted = 0
    names = client.scan_iter(match=pattern, count=_SCAN_PAGE)
    while page := list(islice(names, _SCAN_PAGE)):
        if index is not None:
            client.srem(index, *page)
        client.unlink(*page)
        deleted += len(page)
    return deleted


def _escape(pattern: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in pattern)
