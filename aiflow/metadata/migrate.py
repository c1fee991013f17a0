"""Schema migrations of the metadata database, driven through Alembic's Python API.

The Alembic environment lives in the :mod:`migrations` package and is found
from its installed location, so migrations run from a wheel as well as from a
source checkout. Every function takes the engine to migrate; no ``alembic.ini``
is read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import alembic.util
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, Table
from sqlalchemy.engine import Engine

import migrations
from aiflow.errors import InvalidInputError
from aiflow.metadata.base import Base
from aiflow.metadata.definitions import DEFAULT_NAMESPACE, Namespace
from aiflow.metadata.identity import ensure_identity
from aiflow.metadata.session import session_scope

MIGRATIONS_DIR = Path(next(iter(migrations.__path__)))
"""The installed ``migrations`` package (found through ``__path__``, which editable installs also set)."""
VERSION_TABLE = "alembic_version"


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for AIFlow's migrations, bound to ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def init(engine: Engine) -> None:
    """Upgrade the schema to the newest revision; create the ``default`` namespace and the identity if missing.

    Running it again changes nothing.
    """
    upgrade(engine)
    with session_scope(engine) as session:
        ensure_identity(session)
        if session.get(Namespace, DEFAULT_NAMESPACE) is None:
            session.add(Namespace(name=DEFAULT_NAMESPACE))


def upgrade(engine: Engine, version: str = "heads") -> None:
    """Upgrade the schema to ``version`` (a revision id, ``head(s)`` or a relative ``+1``)."""
    _run(command.upgrade, engine, version)


def downgrade(engine: Engine, version: str) -> None:
    """Downgrade the schema to ``version``; ``base`` removes every AIFlow table."""
    _run(command.downgrade, engine, version)


def reset(engine: Engine) -> None:
    """Drop every AIFlow table, with all its data, and initialise the schema again."""
    drop_schema(engine)
    init(engine)


def drop_schema(engine: Engine) -> None:
    """Drop AIFlow's tables and Alembic's version table; other tables in the database stay."""
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        Table(VERSION_TABLE, MetaData()).drop(connection, checkfirst=True)


def current_revisions(engine: Engine) -> tuple[str, ...]:
    """Return the revisions the database is at; empty when it has no schema."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_heads()


def revision_ids() -> list[str]:
    """Return every revision id, oldest first."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return [script.revision for script in reversed(list(scripts.walk_revisions()))]


def _run(step: Callable[[Config, str], None], engine: Engine, version: str) -> None:
    with _migration_connection(engine) as connection:
        try:
            step(alembic_config(connection), version)
        except alembic.util.CommandError as exc:
            raise InvalidInputError(f"cannot migrate to {version!r}: {exc}") from exc


@contextmanager
def _migration_connection(engine: Engine) -> Iterator[Connection]:
    """Yield a connection inside a transaction.

    On SQLite, foreign keys are off while migrating: Alembic's batch mode rebuilds
    a table by dropping it, which would otherwise cascade into the rows of every
    table referring to it. The pragma only works outside a transaction.
    """
    with engine.connect() as connection:
        _set_sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                yield connection
        finally:
            _set_sqlite_foreign_keys(connection, on=True)


def _set_sqlite_foreign_keys(connection: Connection, *, on: bool) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        connection.commit()
