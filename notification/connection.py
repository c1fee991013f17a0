"""Connecting to the event bus's Redis: URL forms, the local password file, retries."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from aiflow.errors import ConfigError, TransientError

T = TypeVar("T")

#: Retries of one command inside redis-py after a dropped connection.
COMMAND_RETRIES = 3
#: How long :func:`call_with_retry` keeps trying before it gives up.
RETRY_BUDGET_S = 15.0
_RETRIABLE = (redis.ConnectionError, redis.TimeoutError)


def normalize_url(uri: str) -> str:
    """Return ``uri`` as a Redis URL; a bare ``host:port`` means database 0 on that server.

    Raises:
        ConfigError: ``uri`` is neither a ``redis://`` / ``rediss://`` URL nor ``host:port``.
    """
    uri = uri.strip()
    if "://" not in uri:
        uri = f"redis://{uri}/0"
    parts = urlsplit(uri)
    located = parts.path if parts.scheme == "unix" else parts.hostname
    if parts.scheme not in ("redis", "rediss", "unix") or not located:
        raise ConfigError(f"not a Redis URL: {uri!r} (expected redis://host:port/db or host:port)")
    return uri


def with_password(uri: str, password_file: Path | None) -> str:
    """Add the password kept in ``password_file`` to ``uri`` when the URL carries none."""
    parts = urlsplit(uri)
    if parts.password or password_file is None or not password_file.exists():
        return uri
    password = quote(password_file.read_text(encoding="utf-8").strip(), safe="")
    netloc = f"{parts.username or ''}:{password}@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def connect(
    uri: str, password_file: Path | None = None, retries: int = COMMAND_RETRIES, **options: object
) -> redis.Redis:
    """Open a client for the bus at ``uri`` that retries commands across dropped connections."""
    url = with_password(normalize_url(uri), password_file)
    retry = Retry(ExponentialWithJitterBackoff(base=0.005, cap=0.5), retries)
    return redis.Redis.from_url(url, retry=retry, health_check_interval=30, **options)


def call_with_retry(call: Callable[[], T], budget: float = RETRY_BUDGET_S) -> T:
    """Run ``call`` until it gets through a dropped or refused connection, for up to ``budget`` seconds.

    redis-py retries a command on a broken connection only a few times, and not
    when the break shows while a connection is taken from the pool; this covers
    both. ``call`` must be safe to repeat (reads, and sends that carry a request id).

    Raises:
        ConfigError: the server refused the password (retrying cannot help).
        TransientError: the server stayed unreachable for the whole budget.
    """
    deadline = time.monotonic() + budget
    delay = 0.005
    while True:
        try:
            return call()
        except redis.AuthenticationError as exc:
            raise ConfigError(
                f"the event bus refused the credentials ({exc}); give the password in the URL "
                "(redis://:PASSWORD@host:port/0) or in $NOTIFICATION_HOME/redis.password"
            ) from exc
        except _RETRIABLE as exc:
            if time.monotonic() + delay > deadline:
                raise TransientError(f"event bus unreachable for {budget:.0f}s: {exc}") from exc
            time.sleep(delay)  # back-off before reconnecting
            delay = min(delay * 2, 0.5)


def describe_url(uri: str) -> str:
    """Return ``uri`` with any password hidden, for messages and logs."""
    parts = urlsplit(uri)
    if not parts.password:
        return uri
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"))
