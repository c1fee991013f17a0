"""Engines and sessions: SQLite's pragmas, pool settings from the configuration, transactions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool, QueuePool

from aiflow.config import ServerConfig
from aiflow.metadata import Namespace, create_engine, engine_from_config, migrate, session_scope
from aiflow.metadata.engine import SQLITE_BUSY_TIMEOUT_MS


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'aiflow.db'}")
    yield engine
    engine.dispose()


def sqlite_pragmas(engine: Engine) -> dict[str, object]:
    with engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "busy_timeout", "foreign_keys")
        }


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(sqlite_engine: Engine) -> None:
    assert sqlite_pragmas(sqlite_engine) == {
        "journal_mode": "wal",
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        "foreign_keys": 1,
    }


def test_sqlite_foreign_keys_are_on_again_after_migrating(sqlite_engine: Engine) -> None:
    migrate.init(sqlite_engine)

    assert sqlite_pragmas(sqlite_engine)["foreign_keys"] == 1


def test_engine_from_config_applies_the_pool_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'aiflow.db'}"
    pooled = engine_from_config(ServerConfig(metadata_backend_uri=url, sql_alchemy_pool_size=3))
    unpooled = engine_from_config(ServerConfig(metadata_backend_uri=url, sql_alchemy_pool_enabled=False))
    try:
        assert isinstance(pooled.pool, QueuePool)
        assert pooled.pool.size() == 3
        assert isinstance(unpooled.pool, NullPool)
    finally:
        pooled.dispose()
        unpooled.dispose()


def test_session_scope_commits_on_success(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        session.add(Namespace(name="team"))

    with session_scope(migrated_engine) as session:
        assert session.get(Namespace, "team") is not None


def test_session_scope_rolls_back_on_error(migrated_engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(migrated_engine) as session:
        session.add(Namespace(name="team"))
        session.flush()
        raise RuntimeError("boom")

    with session_scope(migrated_engine) as session:
        assert session.scalars(select(Namespace.name)).all() == ["default"]
