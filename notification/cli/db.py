"""``notification db init | upgrade | downgrade | reset``: the event store's keys in Redis."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from notification.cli.events import cli_client
from notification.keys import EventKeys
from notification.store_layout import init_store, migrate_store, reset_store

_server_option = click.option("-s", "--server-uri", help="Redis URL (or host:port) of the notification server.")


@click.group("db", cls=AIFlowGroup)
def db() -> None:
    """Prepare or remove the event store."""


@db.command()
@_server_option
def init(server_uri: str | None) -> None:
    """Prepare the event store (idempotent)."""
    with cli_client(server_uri) as client:
        version = init_store(client.redis, EventKeys())
    click.echo(f"Event store ready (layout version {version}).")


@db.command()
@_server_option
@click.option("-v", "--version", default="heads", show_default=True, help="Layout version to move to.")
def upgrade(server_uri: str | None, version: str) -> None:
    """Upgrade the event store's layout."""
    with cli_client(server_uri) as client:
        reached = migrate_store(client.redis, EventKeys(), version)
    click.echo(f"Event store at layout version {reached}.")


@db.command()
@_server_option
@click.option("-v", "--version", required=True, help="Layout version to move to ('base' removes the store).")
def downgrade(server_uri: str | None, version: str) -> None:
    """Downgrade the event store's layout."""
    with cli_client(server_uri) as client:
        reached = migrate_store(client.redis, EventKeys(), version)
    click.echo(f"Event store at layout version {reached}.")


@db.command()
@_server_option
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(server_uri: str | None, yes: bool) -> None:
    """Delete every event and prepare an empty store."""
    if not yes:
        click.confirm("This deletes every stored event. Continue?", abort=True)
    with cli_client(server_uri) as client:
        deleted = reset_store(client.redis, EventKeys())
        init_store(client.redis, EventKeys())
    click.echo(f"Event store reset ({deleted} keys deleted).")
