"""What the scheduler needs to keep one bad thing from stopping it.

* ``rejected_event``: the events it could not apply, with why. An entry that cannot be decoded,
  a command or timer event of the wrong shape, or an event whose application fails where no
  execution, trigger or schedule is to blame is recorded here (by its offset) and skipped.
* ``workflow_execution.create_time``: so an execution left INIT because its start command never
  reached the log can be found and failed (null for executions created before this revision).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TEXT = sa.Text().with_variant(mysql.LONGTEXT(), "mysql")
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "rejected_event",
        sa.Column("event_offset", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("namespace", sa.String(255), nullable=True),
        sa.Column("event_key", sa.String(1024), nullable=True),
        sa.Column("error", TEXT, nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
    )
    op.create_index("ix_rejected_event_namespace", "rejected_event", ["namespace"])
    op.add_column("workflow_execution", sa.Column("create_time", TIMESTAMP, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_execution") as batch:
        batch.drop_column("create_time")
    op.drop_index("ix_rejected_event_namespace", table_name="rejected_event")
    op.drop_table("rejected_event")
