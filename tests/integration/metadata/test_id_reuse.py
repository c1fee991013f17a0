"""Ids are never handed out again on any backend, even after the newest rows are deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, delete, func, select
from sqlalchemy.engine import Engine

from aiflow.metadata import (
    DEFAULT_NAMESPACE,
    Base,
    JobOutbox,
    TaskExecution,
    Workflow,
    WorkflowEventTrigger,
    WorkflowExecution,
    WorkflowSchedule,
    WorkflowSnapshot,
    session_scope,
)
from tests.integration.metadata.test_metadata_schema import add_workflow_tree

KEYED = (Workflow, WorkflowSnapshot, WorkflowSchedule, WorkflowEventTrigger, WorkflowExecution, TaskExecution,
         JobOutbox)
"""Every table with a surrogate key; one tree of :func:`add_workflow_tree` adds a row to each."""


def add_trees(engine: Engine, *names: str) -> None:
    with session_scope(engine) as session:
        for name in names:
            add_workflow_tree(session, DEFAULT_NAMESPACE, name)


def largest_ids(engine: Engine) -> dict[str, int]:
    """The largest id of each keyed table (0 when it is empty)."""
    with session_scope(engine) as session:
        return {model.__tablename__: session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
                for model in KEYED}


def delete_workflows(engine: Engine, *names: str) -> None:
    """Delete workflows, and so every row below them (the tables cascade)."""
    with session_scope(engine) as session:
        session.execute(delete(Workflow).where(Workflow.name.in_(names)))


@pytest.mark.parametrize("deleted", [("c",), ("a", "b", "c")], ids=["the newest rows", "every row"])
def test_the_ids_of_deleted_rows_are_never_handed_out_again(migrated_engine: Engine, deleted: tuple[str]) -> None:
    add_trees(migrated_engine, "a", "b", "c")
    used = largest_ids(migrated_engine)
    delete_workflows(migrated_engine, *deleted)
    assert all(largest_ids(migrated_engine)[table] < used[table] for table in used)  # the newest rows are gone

    migrated_engine.dispose()  # what follows runs on new connections
    add_trees(migrated_engine, "d")

    after = largest_ids(migrated_engine)
    assert {table: after[table] > used[table] for table in used} == dict.fromkeys(used, True)


def test_every_table_with_a_generated_integer_key_is_declared_never_to_reuse_it() -> None:
    generated = {table.name: table.dialect_options["sqlite"]["autoincrement"] for table in Base.metadata.tables.values()
                 if table.autoincrement_column is not None and isinstance(table.autoincrement_column.type, Integer)}

    assert {model.__tablename__ for model in KEYED} <= set(generated)
    assert generated == dict.fromkeys(generated, True)
