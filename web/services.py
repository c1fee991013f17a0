"""What the API's views use: configuration, database, event bus, blob store and tokens.

:func:`init_app` keeps one :class:`Services` in ``app.extensions``; views reach
it through :func:`services`, open transactions with :func:`transaction` and
tell the scheduler of commands with :func:`publish` and :func:`announce`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

from aiflow.commands import Command
from aiflow.errors import TransientError
from aiflow.metadata import session_scope

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from aiflow.blob_store import BlobStore
    from aiflow.config import ServerConfig
    from notification.client import NotificationClient
    from notification.event import Event
    from web.tokens import TokenRegistry

EXTENSION = "aiflow"
BUS_RETRY_BUDGET_S = 2.5
"""How long one call of the API to the event bus keeps retrying a refused or dropped connection.

Then the request answers 503: a caller waits seconds, not the 15 s budget of
long-running processes, while the bus is down.
"""


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


def publish(command: Command, namespace: str, request_id: str | None = None) -> Event:
    """Send ``command`` to the scheduler through the ordered event log; return the stored event.

    Call it after the transaction that prepared the command committed, so the
    scheduler finds what the command refers to. A ``request_id`` names the
    send: a retry with the same id stores nothing twice.

    Raises:
        TransientError: the event bus stayed unreachable for :data:`BUS_RETRY_BUDGET_S` (503).
    """
    return services().bus.send_event(command.to_event(namespace), request_id=request_id)


def announce(command: Command, namespace: str) -> None:
    """Publish a ``*_CHANGED`` command for a change already committed.

    Raises:
        TransientError: the bus is unreachable; the message says the change is
            stored but the scheduler has not heard of it yet (503).
    """
    try:
        publish(command, namespace)
    except TransientError as exc:
        raise TransientError(
            f"the change is stored, but the scheduler was not told ({exc}); repeating the request or any later "
            "change of the workflow tells it, and a restarted scheduler reloads every workflow"
        ) from exc
