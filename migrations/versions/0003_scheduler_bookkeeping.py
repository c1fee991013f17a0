"""What the scheduler needs to remember between events besides rule state.

* ``workflow_execution.stop_requested``: a stop command arrived; the execution ends STOPPED once
  no task is live.
* ``workflow_schedule.last_due_time``: the due time of the last tick applied, so a tick fires
  once and missed ticks fold into one.
* ``periodic_task_tick``: the same for each periodic task of a running execution.
* ``event_checkpoint.fencing_token``: the lease token of the scheduler that last committed; a
  commit carrying an older token is refused.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.add_column(
        "workflow_execution",
        sa.Column("stop_requested", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("workflow_schedule", sa.Column("last_due_time", TIMESTAMP, nullable=True))
    op.add_column(
        "event_checkpoint",
        sa.Column("fencing_token", sa.BigInteger(), nullable=False, server_default=sa.text("0")),
    )
    op.create_table(
        "periodic_task_tick",
        sa.Column(
            "workflow_execution_id", ID, sa.ForeignKey("workflow_execution.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("task_name", sa.String(255), primary_key=True),
        sa.Column("last_due_time", TIMESTAMP, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("periodic_task_tick")
    for table, column in (
        ("event_checkpoint", "fencing_token"),
        ("workflow_schedule", "last_due_time"),
        ("workflow_execution", "stop_requested"),
    ):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
