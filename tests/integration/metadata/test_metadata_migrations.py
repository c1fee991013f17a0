"""Migrating the metadata database: init, upgrade, downgrade, reset, on every backend."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from aiflow.errors import InvalidInputError
from aiflow.metadata import DEFAULT_NAMESPACE, Base, Namespace, migrate, session_scope

ALL_TABLES = set(Base.metadata.tables) | {migrate.VERSION_TABLE}


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def namespace_names(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Namespace.name).order_by(Namespace.name)))


def head() -> tuple[str]:
    return (migrate.revision_ids()[-1],)


def test_init_creates_every_table_and_the_default_namespace(engine: Engine) -> None:
    migrate.init(engine)

    assert table_names(engine) == ALL_TABLES
    assert namespace_names(engine) == [DEFAULT_NAMESPACE]
    assert migrate.current_revisions(engine) == head()


def test_init_twice_changes_nothing(engine: Engine) -> None:
    migrate.init(engine)
    with session_scope(engine) as session:
        session.add(Namespace(name="team", properties='{"owner": "ml"}'))

    migrate.init(engine)

    assert namespace_names(engine) == [DEFAULT_NAMESPACE, "team"]
    assert migrate.current_revisions(engine) == head()


def test_downgrade_to_base_then_upgrade_to_head(engine: Engine) -> None:
    migrate.init(engine)

    migrate.downgrade(engine, "base")
    assert table_names(engine) == {migrate.VERSION_TABLE}
    assert migrate.current_revisions(engine) == ()

    migrate.upgrade(engine)
    assert table_names(engine) == ALL_TABLES
    assert migrate.current_revisions(engine) == head()


def test_every_revision_upgrades_and_downgrades_one_step(engine: Engine) -> None:
    revisions = migrate.revision_ids()
    for revision in revisions:
        migrate.upgrade(engine, "+1")
        assert migrate.current_revisions(engine) == (revision,)

    for previous in reversed([None, *revisions[:-1]]):
        migrate.downgrade(engine, "-1")
        assert migrate.current_revisions(engine) == ((previous,) if previous else ())
    assert table_names(engine) == {migrate.VERSION_TABLE}


def test_reset_drops_the_data_and_initialises_again(engine: Engine) -> None:
    migrate.init(engine)
    with session_scope(engine) as session:
        session.add(Namespace(name="team"))

    migrate.reset(engine)

    assert table_names(engine) == ALL_TABLES
    assert namespace_names(engine) == [DEFAULT_NAMESPACE]


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    migrate.upgrade(engine)

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)

    assert differences == []


def test_unknown_revision_is_rejected_and_changes_nothing(engine: Engine) -> None:
    migrate.init(engine)

    with pytest.raises(InvalidInputError, match="no_such_revision"):
        migrate.downgrade(engine, "no_such_revision")

    assert migrate.current_revisions(engine) == head()
    assert table_names(engine) == ALL_TABLES
