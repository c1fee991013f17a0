"""``aiflow db``: create, migrate and reset the metadata database, and pair it with an event bus."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine

from aiflow.cli.base import AIFlowGroup, CommandError
from aiflow.clock import utcnow
from aiflow.config import load_server_config
from aiflow.metadata import engine_from_config, migrate
from aiflow.scheduler import pairing
from notification.cli.events import cli_client

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def metadata_engine() -> Iterator[Engine]:
    """Yield the engine of the configured metadata database and dispose of it afterwards."""
    engine = engine_from_config(load_server_config())
    try:
        yield engine
    finally:
        engine.dispose()


def describe(engine: Engine) -> str:
    """Return ``<database URL without password> at revision <id>``, or ``at base`` when empty."""
    revisions = migrate.current_revisions(engine)
    at = f"revision {', '.join(revisions)}" if revisions else "base"
    return f"{engine.url.render_as_string(hide_password=True)} at {at}"


def version_option(default: str | None) -> Callable[[F], F]:
    """Add ``-v/--version VERSION``, the target revision of a migration."""
    return click.option(
        "-v", "--version", "version", default=default, show_default=default is not None, metavar="VERSION",
        help="Target revision id; 'heads' is the newest, 'base' the empty database.",
    )


@click.group(cls=AIFlowGroup)
def db() -> None:
    """Create, migrate and reset the metadata database; pair it with the event bus."""


@db.command()
def init() -> None:
    """Create the tables and the default namespace; safe to run again."""
    with metadata_engine() as engine:
        migrate.init(engine)
        click.echo(f"Initialized the metadata database {describe(engine)}.")


@db.command()
@version_option(default="heads")
def upgrade(version: str) -> None:
    """Upgrade the schema to VERSION."""
    with metadata_engine() as engine:
        migrate.upgrade(engine, version)
        click.echo(f"Upgraded the metadata database {describe(engine)}.")


@db.command()
@version_option(default=None)
def downgrade(version: str | None) -> None:
    """Downgrade the schema to VERSION ('base' drops every table)."""
    if not version:
        raise CommandError("downgrade needs a target revision: -v VERSION (or -v base to drop every table)")
    with metadata_engine() as engine:
        migrate.downgrade(engine, version)
        click.echo(f"Downgraded the metadata database {describe(engine)}.")


@db.command()
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def reset(yes: bool) -> None:
    """Drop all AIFlow tables and their data, then initialize again."""
    with metadata_engine() as engine:
        where = engine.url.render_as_string(hide_password=True)
        if not yes:
            click.confirm(f"Drop all AIFlow tables and data in {where}?", abort=True)
        migrate.reset(engine)
        click.echo(f"Reset the metadata database {describe(engine)}.")


@db.command("rebind-bus")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def rebind_bus(yes: bool) -> None:
    """Pair the database with the event bus anew, after either was reset; the scheduler skips the old log."""
    with metadata_engine() as engine, cli_client(load_server_config().notification_server_uri) as bus:
        stores = pairing.read_stores(engine, bus)
        if pairing.decide(stores).refuses and not yes:
            click.confirm(rebind_question(stores), abort=True)
        done = pairing.rebind(engine, bus, utcnow())
    click.echo(rebind_summary(done))


def rebind_question(stores: pairing.Stores) -> str:
    """Ask whether to pair the database with the bus ``stores`` names, saying what that costs."""
    cleanup = "; the claims and logs of the other database's tasks are deleted" if stores.bus_has_other_database else ""
    return (f"Pair the metadata database with the event bus (store {stores.bus_id})? The scheduler goes on after "
            f"offset {stores.latest_offset} and applies none of the events up to it{cleanup}.")


def rebind_summary(done: pairing.Rebinding) -> str:
    """Say what :func:`~aiflow.scheduler.pairing.rebind` did, in one line."""
    stores = done.stores
    if done.verdict is pairing.Verdict.PAIRED:
        return f"The metadata database is paired with the event bus (store {stores.bus_id}) already; nothing changed."
    offset = stores.latest_offset if done.verdict.refuses else stores.applied_offset
    cleanup = (f"; deleted {done.deleted_keys} keys of the other database's tasks"
               if stores.bus_has_other_database else "")
    return (f"Paired the metadata database with the event bus (store {stores.bus_id}); "
            f"the scheduler goes on after offset {offset}{cleanup}.")
