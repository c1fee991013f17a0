"""Fixtures every test can use: isolated homes, a private Redis and a client of it, a SQLite database, leak checks."""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import redis
from sqlalchemy.engine import Engine

from aiflow.metadata import create_engine, migrate
from notification.client import NotificationClient
from notification.embedded import EmbeddedServer
from tests.support import free_port, wait_until
from workers.logs import LogStreams

if TYPE_CHECKING:
    from tests.blob_servers import S3Server

_ENV_PREFIXES = ("AIFLOW_", "NOTIFICATION_")
_buckets = itertools.count()
SESSION_THREADS = ("asyncio_", "fsspecIO")
"""Threads that live for the whole session once started: the executor of Playwright's event loop, and the
event loop of fsspec's asynchronous filesystems (s3fs)."""


@pytest.fixture(autouse=True)
def isolated_homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point AIFLOW_HOME and NOTIFICATION_HOME at fresh folders and drop stray overrides.

    Schedulers and workers serve no metrics (their default ports are fixed ones, which tests never
    take); the tests of metrics give them free ports.
    """
    for name in list(os.environ):
        if name.startswith(_ENV_PREFIXES) and not name.startswith("AIFLOW_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AIFLOW_HOME", str(tmp_path / "aiflow"))
    monkeypatch.setenv("NOTIFICATION_HOME", str(tmp_path / "notification"))
    monkeypatch.setenv("AIFLOW_SCHEDULER_METRICS_PORT", "0")
    monkeypatch.setenv("AIFLOW_WORKER_METRICS_PORT", "0")
    yield tmp_path


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves threads it started running."""
    before = set(threading.enumerate())
    yield
    leaked = lambda: [t for t in threading.enumerate()  # noqa: E731
                      if t not in before and t.is_alive() and not t.name.startswith(SESSION_THREADS)]
    try:
        wait_until(lambda: not leaked(), timeout=5, message="threads started by the test to end")
    except AssertionError:
        pytest.fail(f"test left threads running: {[t.name for t in leaked()]}")


def start_private_redis(home: Path, binary: str | None = None) -> EmbeddedServer:
    """Start the embedded Redis on a free port in ``home`` (the same code users run)."""
    server = EmbeddedServer(home=home, port=free_port(), binary=binary)
    server.start(daemon=True, timeout=10)
    return server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """A private Redis server for the whole session, on a free port."""
    server = start_private_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: EmbeddedServer) -> str:
    """The private Redis's URL, flushed before the test (as rq's tests do)."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url


@pytest.fixture
def bus(redis_url: str) -> Iterator[NotificationClient]:
    """A client of the private, flushed Redis."""
    with NotificationClient(redis_url) as client:
        yield client


@pytest.fixture
def log_streams(bus: NotificationClient) -> Iterator[LogStreams]:
    """The sender of log lines to the private Redis that a worker process runs, started."""
    streams = LogStreams(bus.redis, timedelta(hours=1))
    streams.start()
    yield streams
    streams.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite database in ``tmp_path`` (the one :func:`tests.support.server_config_in` names)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'aiflow.db'}")
    migrate.init(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a free port of 127.0.0.1, started once per test module (ask for it in a fixture
    that a test's first function-scoped fixture depends on, so that it starts before the check of threads)."""
    from tests.blob_servers import S3Server

    with S3Server() as server:
        yield server


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> str:
    """The name of a new bucket of the S3 server."""
    return s3_server.create_bucket(f"aiflow-test-{next(_buckets)}").removeprefix("s3://")

