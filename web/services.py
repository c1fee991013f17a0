"""What the API's views use: configuration, database, event bus, blob store and tokens.

:func:`init_app` keeps one :class:`Services` in ``app.extensions``; views reach
it through :func:`services` and open transactions with :func:`transaction`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from aiflow.commands import Command
from aiflow.metadata import session_scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from aiflow.blob_store import BlobStore
    from aiflow.config import ServerConfig
    from notification.client import NotificationClient
    from notification.event import Event
    from web.auth import TokenRegistry

EXTENSION = "aiflow"


@dataclass(frozen=True)
class Services:
    """The dependencies of the API, built once by the app factory."""

    config: ServerConfig
    engine: Engine
    bus: NotificationClient
    blobs: BlobStore
    tokens: TokenRegistry


def init_app(app: Flask, built: Services) -> None:
    """Make ``built`` the services of ``app``."""
    app.extensions[EXTENSION] = built


def services() -> Services:
    """Return the services of the current app."""
    built: Services = current_app.extensions[EXTENSION]
    return built


@contextmanager
def transaction() -> Iterator[Session]:
    """Yield a metadata session, committed when the block ends without an error."""
    with session_scope(services().engine) as session:
        yield session


def publish(command: Command, namespace: str) -> Event:
    """Send ``command`` to the scheduler through the ordered event log; return the stored event.

    Call it after the transaction that prepared the command committed, so the
    scheduler finds what the command refers to.
    """
    return services().bus.send_event(command.to_event(namespace))
