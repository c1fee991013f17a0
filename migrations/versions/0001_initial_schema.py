"""Initial schema: definitions, executions, rule state, the event checkpoint and the job outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26

Column types are spelled out here rather than imported from the models, so
this revision keeps creating the same schema when the models change later.
Unnamed constraints and indexes are named by the naming convention of
:mod:`aiflow.metadata.base`, which ``env.py`` hands to Alembic.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
NAME = sa.String(length=255)
STATUS = sa.String(length=32)
BLOB = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")
LONG_TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")

TABLES = (
    "namespace",
    "workflow",
    "workflow_snapshot",
    "workflow_schedule",
    "workflow_event_trigger",
    "workflow_rule_state",
    "workflow_execution",
    "task_execution",
    "workflow_execution_rule_state",
    "job_outbox",
    "event_checkpoint",
)
"""Every table, parents before children."""


def parent(column: str, target: str, *, primary_key: bool = False) -> sa.Column[int]:
    """A non-null ``column`` referring to ``target`` ("table.column"), deleted with its parent."""
    return sa.Column(column, ID, sa.ForeignKey(target, ondelete="CASCADE"), nullable=False, primary_key=primary_key)


def upgrade() -> None:
    create_definitions()
    create_executions()
    create_scheduler_tables()


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)


def create_definitions() -> None:
    op.create_table(
        "namespace",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("properties", LONG_TEXT, nullable=True),
    )
    op.create_table(
        "workflow",
        sa.Column("id", ID, primary_key=True),
        sa.Column("namespace", NAME, sa.ForeignKey("namespace.name", ondelete="CASCADE"), nullable=False),
        sa.Column("name", NAME, nullable=False),
        sa.Column("content", LONG_TEXT, nullable=False),
        sa.Column("description", LONG_TEXT, nullable=True),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.Column("update_time", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("namespace", "name", name="uq_workflow_namespace_name"),
    )
    op.create_table(
        "workflow_snapshot",
        sa.Column("id", ID, primary_key=True),
        parent("workflow_id", "workflow.id"),
        sa.Column("workflow_object", BLOB, nullable=False),
        sa.Column("uri", sa.String(length=1024), nullable=True),
        sa.Column("content_hash", sa.String(length=128), nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.UniqueConstraint("workflow_id", "content_hash", name="uq_workflow_snapshot_workflow_id_hash"),
    )
    op.create_table(
        "workflow_schedule",
        sa.Column("id", ID, primary_key=True),
        parent("workflow_id", "workflow.id"),
        sa.Column("expression", NAME, nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
    )
    op.create_index(op.f("ix_workflow_schedule_workflow_id"), "workflow_schedule", ["workflow_id"])
    op.create_table(
        "workflow_event_trigger",
        sa.Column("id", ID, primary_key=True),
        parent("workflow_id", "workflow.id"),
        sa.Column("rule", BLOB, nullable=False),
        sa.Column("is_paused", sa.Boolean(), nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
    )
    op.create_index(op.f("ix_workflow_event_trigger_workflow_id"), "workflow_event_trigger", ["workflow_id"])
    op.create_table(
        "workflow_rule_state",
        parent("workflow_id", "workflow.id", primary_key=True),
        sa.Column("name", NAME, primary_key=True),
        sa.Column("value", BLOB, nullable=True),
    )


def create_executions() -> None:
    op.create_table(
        "workflow_execution",
        sa.Column("id", ID, primary_key=True),
        parent("workflow_id", "workflow.id"),
        parent("snapshot_id", "workflow_snapshot.id"),
        sa.Column("execution_type", STATUS, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("begin_date", TIMESTAMP, nullable=True),
        sa.Column("end_date", TIMESTAMP, nullable=True),
        sa.Column("error", LONG_TEXT, nullable=True),
        sa.Column("event_offset", sa.BigInteger(), nullable=True),
    )
    for column in ("workflow_id", "snapshot_id", "status"):
        op.create_index(op.f(f"ix_workflow_execution_{column}"), "workflow_execution", [column])
    op.create_table(
        "task_execution",
        sa.Column("id", ID, primary_key=True),
        parent("workflow_execution_id", "workflow_execution.id"),
        sa.Column("task_name", NAME, nullable=False),
        sa.Column("sequence_number", sa.Integer(), nullable=False),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("execution_type", STATUS, nullable=False),
        sa.Column("status", STATUS, nullable=False),
        sa.Column("begin_date", TIMESTAMP, nullable=True),
        sa.Column("end_date", TIMESTAMP, nullable=True),
        sa.Column("error", LONG_TEXT, nullable=True),
        sa.UniqueConstraint(
            "workflow_execution_id", "task_name", "sequence_number", name="uq_task_execution_sequence"
        ),
    )
    op.create_index(op.f("ix_task_execution_status"), "task_execution", ["status"])
    op.create_table(
        "workflow_execution_rule_state",
        parent("workflow_execution_id", "workflow_execution.id", primary_key=True),
        sa.Column("name", NAME, primary_key=True),
        sa.Column("value", BLOB, nullable=True),
    )


def create_scheduler_tables() -> None:
    op.create_table(
        "job_outbox",
        sa.Column("id", ID, primary_key=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        parent("task_execution_id", "task_execution.id"),
        sa.Column("try_number", sa.Integer(), nullable=False),
        sa.Column("queue", NAME, nullable=False),
        sa.Column("payload", LONG_TEXT, nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.Column("sent_time", TIMESTAMP, nullable=True),
        sa.CheckConstraint("kind IN ('start', 'stop')", name="kind"),
    )
    op.create_index(op.f("ix_job_outbox_task_execution_id"), "job_outbox", ["task_execution_id"])
    op.create_index("ix_job_outbox_unsent", "job_outbox", ["sent_time", "id"])
    op.create_table(
        "event_checkpoint",
        sa.Column("name", sa.String(length=64), primary_key=True),
        sa.Column("last_applied_offset", sa.BigInteger(), nullable=False),
        sa.Column("update_time", TIMESTAMP, nullable=False),
    )
