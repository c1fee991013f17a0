"""The Alembic environment of AIFlow's metadata database.

The caller chooses the database: :mod:`aiflow.metadata.migrate` passes an open
connection in ``config.attributes["connection"]`` and commits it itself; the
``alembic`` command line may give a URL as the ``sqlalchemy.url`` main option.
SQLite tables are altered in batch mode (copy and rename), since SQLite's
``ALTER TABLE`` can do little.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from aiflow.metadata import Base, create_engine


def run_migrations(connection: Connection) -> None:
    """Run the pending migrations on ``connection``."""
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_with_url(url: str) -> None:
    """Open a connection to ``url``, run the migrations and commit."""
    engine = create_engine(url, pool_enabled=False)
    try:
        with engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


def main() -> None:
    """Migrate the connection the caller passed, else the database of the configured URL."""
    connection = context.config.attributes.get("connection")
    url = context.config.get_main_option("sqlalchemy.url")
    if connection is not None:
        run_migrations(connection)
    elif url:
        run_with_url(url)
    else:
        raise RuntimeError("no database to migrate: pass a connection or set the sqlalchemy.url option")


main()
