"""Each task execution's timeline: ``task_timeline``.

One row per step the scheduler decided or recorded about a task execution's try (queued, retried,
stopped, start or stop job sent, a status), written in the transaction of the decision, with the
event being applied (offset, key, sender, value cut to 256 characters), the cause in words, and for
RUNNING the worker that claimed the try. Rows go with their task execution (``ON DELETE CASCADE``);
ids are never handed out again (``AUTOINCREMENT`` on SQLite), so they order the steps.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAME = sa.String(length=255)
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "task_timeline",
        sa.Column("id", ID, primary_key=True),
        sa.Column("task_execution_id", ID, sa.ForeignKey("task_execution.id", ondelete="CASCADE"), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("status", sa.String(32), nullable=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("event_offset", sa.BigInteger(), nullable=True),
        sa.Column("event_key", sa.String(1024), nullable=True),
        sa.Column("event_value", sa.String(256), nullable=True),
        sa.Column("event_sender", NAME, nullable=True),
        sa.Column("cause", sa.String(1000), nullable=True),
        sa.Column("worker", NAME, nullable=True),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_task_timeline_task_execution_id"), "task_timeline", ["task_execution_id"])


def downgrade() -> None:
    op.drop_table("task_timeline")  # with its index (MySQL refuses to drop the index of a foreign key alone)
