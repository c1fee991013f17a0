"""Revision 0007 on every backend: ids never reused, rows kept both ways, the database's own id."""

from __future__ import annotations

import re

from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine

from aiflow.metadata import StoreIdentity, migrate, session_scope
from aiflow.metadata.identity import load_identity
from tests.integration.metadata.test_id_reuse import KEYED, add_trees, delete_workflows, largest_ids
from tests.integration.metadata.test_metadata_schema import row_counts

KEYED_TABLES = {model.__tablename__ for model in KEYED}


def database_id(engine: Engine) -> str:
    with session_scope(engine) as session:
        return load_identity(session).database_id


def all_ids(engine: Engine) -> dict[str, list[int]]:
    with session_scope(engine) as session:
        return {model.__tablename__: list(session.scalars(select(model.id).order_by(model.id))) for model in KEYED}


def sqlite_tables_with_autoincrement(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
        return {name for name, sql in rows if sql and "AUTOINCREMENT" in sql}


def test_upgrade_to_0007_keeps_every_row_and_stops_reusing_ids(engine: Engine) -> None:
    migrate.upgrade(engine, "0006")
    add_trees(engine, "a", "b", "c")
    used = largest_ids(engine)
    delete_workflows(engine, "c")
    before = all_ids(engine), row_counts(engine)

    migrate.upgrade(engine, "0007")

    assert (all_ids(engine), row_counts(engine)) == before
    if engine.dialect.name == "sqlite":
        assert sqlite_tables_with_autoincrement(engine) == KEYED_TABLES
    kept = largest_ids(engine)
    add_trees(engine, "d")
    after = largest_ids(engine)
    # SQLite can only count on from the largest id left; the servers never went back at all
    floor = kept if engine.dialect.name == "sqlite" else used
    assert all(after[table] > floor[table] for table in floor)


def test_downgrade_from_0007_keeps_every_row(engine: Engine) -> None:
    migrate.init(engine)
    add_trees(engine, "a", "b")
    before = all_ids(engine), row_counts(engine)

    migrate.downgrade(engine, "0006")

    assert (all_ids(engine), row_counts(engine)) == before
    assert not inspect(engine).has_table(StoreIdentity.__tablename__)
    if engine.dialect.name == "sqlite":
        assert sqlite_tables_with_autoincrement(engine) == set()
        pk_names = {inspect(engine).get_pk_constraint(table)["name"] for table in KEYED_TABLES}
        assert pk_names == {f"pk_{table}" for table in KEYED_TABLES}  # as revision 0001 named them


def test_the_database_gets_an_id_of_its_own_which_init_keeps_and_reset_renews(engine: Engine) -> None:
    migrate.init(engine)
    first = database_id(engine)

    migrate.init(engine)
    assert database_id(engine) == first
    assert re.fullmatch(r"[0-9a-f]{32}", first)

    migrate.reset(engine)
    assert database_id(engine) != first


def test_the_identity_starts_unpaired(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        identity = load_identity(session)
        assert (identity.bus_id, identity.paired_time) == (None, None)
        assert identity.create_time.tzinfo is not None
