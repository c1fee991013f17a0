"""Engines for the metadata database, tuned per backend.

SQLite runs in WAL mode (readers never block the writer) with ``synchronous=NORMAL``, waits up to
:data:`SQLITE_BUSY_TIMEOUT_MS` for a lock instead of failing at once, and
enforces foreign keys so cascading deletes work as on the server databases;
its file (0600, in a folder 0700) is created when missing, and SQLite gives its
``-wal`` and ``-shm`` files the same mode.
PostgreSQL and MySQL connections are pinged before use, so a pool survives a
database restart, and opening one gives up after :data:`CONNECT_TIMEOUT_S`
(unless the URL sets ``connect_timeout``); a checkout waits at most
:data:`POOL_TIMEOUT_S` for a free pooled connection. So an unreachable server
is an error within seconds, never a wait of minutes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import URL, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from aiflow.config import ServerConfig
from aiflow.file_modes import PRIVATE_FILE, private_folder

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite connection waits for another writer's lock before raising."""
CONNECT_TIMEOUT_S = 5
"""How long opening a PostgreSQL or MySQL connection may take (whole seconds, as both drivers want)."""
POOL_TIMEOUT_S = 10.0
"""How long a checkout waits for a pooled connection when all are in use."""
_SERVER_BACKENDS = ("postgresql", "mysql")


def engine_from_config(config: ServerConfig) -> Engine:
    """Create the engine of ``config.metadata_backend_uri`` with the configured pool."""
    return create_engine(
        config.metadata_backend_uri,
        pool_enabled=config.sql_alchemy_pool_enabled,
        pool_size=config.sql_alchemy_pool_size,
        max_overflow=config.sql_alchemy_max_overflow,
    )


def create_engine(
    url: str | URL,
    *,
    pool_enabled: bool = True,
    pool_size: int = 5,
    max_overflow: int = 10,
) -> Engine:
    """Create an engine for ``url``; the caller disposes of it.

    Args:
        pool_enabled: keep connections open between uses; otherwise every
            checkout opens a new connection.
        pool_size: connections kept in the pool; 0 means no limit.
        max_overflow: connections allowed beyond ``pool_size``.
    """
    url = make_url(url)
    is_sqlite = url.get_backend_name() == "sqlite"
    in_memory = is_sqlite and url.database in (None, "", ":memory:")
    options: dict[str, Any] = {"pool_pre_ping": not is_sqlite}
    if url.get_backend_name() in _SERVER_BACKENDS and "connect_timeout" not in url.query:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    if not pool_enabled:
        options["poolclass"] = NullPool
    elif not in_memory:
        options.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=POOL_TIMEOUT_S)
    if is_sqlite and not in_memory:
        _create_sqlite_file(str(url.database))
    engine = sqlalchemy.create_engine(url, **options)
    if is_sqlite:
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _create_sqlite_file(database: str) -> None:
    if database.startswith("file:"):  # a URI filename is left to SQLite
        return
    path = Path(database).expanduser()
    private_folder(path.parent)
    os.close(os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE))  # an empty file is an empty database


def _configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL stays consistent and loses no commit when a process dies; only an OS
        # crash or power loss can roll back the last commits. It saves an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()
