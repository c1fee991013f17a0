"""Telling an outage (wait and try again) from a bad event or row (quarantine it and go on).

The scheduler must never quarantine an event because the database or Redis was briefly away:
connection errors, timeouts, lock waits, deadlocks and serialization failures are all transient,
and the same batch is applied again once the outage is over. Any other error of a batch is a
fault of something in it.
"""

from __future__ import annotations

import traceback

import redis
from sqlalchemy import exc as sql

from aiflow.errors import TransientError

MAX_TRACEBACK_CHARS = 16_000

_TRANSIENT = (
    sql.OperationalError,  # connection refused or lost, lock wait, deadlock, database locked, serialization
    sql.InterfaceError,
    sql.DisconnectionError,
    sql.TimeoutError,  # no pooled connection in time
    redis.ConnectionError,
    redis.TimeoutError,
    TransientError,
    ConnectionError,
)


def is_transient(error: BaseException) -> bool:
    """Return whether ``error`` (or the error it was raised from) means a dependency is away for now."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, _TRANSIENT):
            return True
        if isinstance(current, sql.DBAPIError) and current.connection_invalidated:
            return True
        seen.add(id(current))
        current = current.__cause__
    return False


def describe(error: BaseException) -> str:
    """Return the traceback of ``error``, cut to a length users can store and read."""
    return "".join(traceback.format_exception(error))[-MAX_TRACEBACK_CHARS:]
