"""Identities: ids are never handed out again, and the database knows itself and its event bus.

* On SQLite the tables with a surrogate key are rebuilt with ``AUTOINCREMENT``: without it SQLite
  gives the largest id again once that row is deleted, and a worker would take the new task
  execution for the deleted one (claims, logs, caches and folders are keyed by id). The rebuild
  copies every row; the counter starts at the largest id still stored, so an id deleted before
  this revision may be handed out once more. PostgreSQL sequences and InnoDB's counter (kept
  across restarts since MariaDB 10.2 and MySQL 8.0) never go back: nothing changes there.
* ``store_identity``: one row with the database's own random id and the store id of the event bus
  it is paired with (null until the scheduler pairs them, on its first start after this revision).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")
STORE_ID = sa.String(64)
KEYED_TABLES = (
    "workflow",
    "workflow_snapshot",
    "workflow_schedule",
    "workflow_event_trigger",
    "workflow_execution",
    "task_execution",
    "job_outbox",
)
"""The tables whose integer primary key SQLite would hand out again."""
PRIMARY_KEY_NAME = {"pk": "pk_%(table_name)s"}
"""The name 0001 gave each primary key; a table rebuilt without ``AUTOINCREMENT`` gets it back."""


def upgrade() -> None:
    identity = op.create_table(
        "store_identity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("database_id", STORE_ID, nullable=False),
        sa.Column("bus_id", STORE_ID, nullable=True),
        sa.Column("paired_time", TIMESTAMP, nullable=True),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )
    now = datetime.now(UTC)
    if op.get_bind().dialect.name != "postgresql":
        now = now.replace(tzinfo=None)  # naive UTC, as aiflow.metadata.column_types.UTCDateTime stores it
    op.bulk_insert(identity, [{"id": 1, "database_id": uuid.uuid4().hex, "create_time": now}])
    rebuild_keyed_tables(autoincrement=True)


def downgrade() -> None:
    rebuild_keyed_tables(autoincrement=False)
    op.drop_table("store_identity")


def rebuild_keyed_tables(*, autoincrement: bool) -> None:
    """On SQLite, copy each keyed table into one declared with(out) ``AUTOINCREMENT``; elsewhere nothing."""
    if op.get_bind().dialect.name != "sqlite":
        return
    refuse_with_foreign_keys_on()
    for table in KEYED_TABLES:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement},
            naming_convention=None if autoincrement else PRIMARY_KEY_NAME,
        ):
            pass


def refuse_with_foreign_keys_on() -> None:
    """Stop before a rebuild would cascade: dropping a parent table deletes its children's rows then.

    ``aiflow db`` turns foreign keys off while it migrates; a bare ``alembic`` call may not have.
    """
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("SQLite foreign keys are on: migrate with 'aiflow db upgrade', which turns them off")
