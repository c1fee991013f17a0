"""A metadata database on every configured backend, emptied after each test.

SQLite always runs, in a temporary file. PostgreSQL and MySQL run when
``AIFLOW_TEST_POSTGRES_URL`` / ``AIFLOW_TEST_MYSQL_URL`` name a server: a
database with a random name is created there for the test session and dropped
at its end, so parallel runs never share tables. Without the variable, or when
the server does not answer, that backend's tests are skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest
import sqlalchemy
from sqlalchemy import URL, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from aiflow.metadata import create_engine, migrate

SERVER_URL_VARIABLES = {"postgresql": "AIFLOW_TEST_POSTGRES_URL", "mysql": "AIFLOW_TEST_MYSQL_URL"}
CREATE_DATABASE_SUFFIX = {"postgresql": "", "mysql": " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"}


@pytest.fixture(scope="session", params=["sqlite", "postgresql", "mysql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    """The URL of an empty database on one backend, kept for the whole session."""
    backend = request.param
    if backend == "sqlite":
        yield make_url(f"sqlite:///{tmp_path_factory.mktemp('metadata') / 'aiflow.db'}")
        return
    variable = SERVER_URL_VARIABLES[backend]
    server_url = os.environ.get(variable)
    if not server_url:
        pytest.skip(f"{backend}: set {variable} to a server URL to run the metadata tests on it")
    yield from throwaway_database(backend, make_url(server_url))


def throwaway_database(backend: str, server_url: URL) -> Iterator[URL]:
    """Create a randomly named database through ``server_url``, yield its URL, then drop it."""
    name = f"aiflow_test_{secrets.token_hex(6)}"
    admin = sqlalchemy.create_engine(
        server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}{CREATE_DATABASE_SUFFIX[backend]}")
    except OperationalError as exc:
        admin.dispose()
        where = server_url.render_as_string(hide_password=True)
        pytest.skip(f"{backend}: server at {where} does not answer: {str(exc.orig).strip().splitlines()[0]}")
    try:
        yield server_url.set(database=name)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name}")
        admin.dispose()


@pytest.fixture
def engine(database_url: URL) -> Iterator[Engine]:
    """An engine on the backend's database, which holds no AIFlow table after the test."""
    engine = create_engine(database_url)
    yield engine
    migrate.drop_schema(engine)
    engine.dispose()


@pytest.fixture
def migrated_engine(engine: Engine) -> Engine:
    """An engine on a database initialised by ``aiflow db init``."""
    migrate.init(engine)
    return engine
