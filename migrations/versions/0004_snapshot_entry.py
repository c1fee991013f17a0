"""What a snapshot holds besides its package: ``workflow_snapshot.entry`` and ``task_names``.

* ``entry``: the workflow file's path inside the package. Workers run a task by executing that
  file from the unpacked package, so that its ``__file__`` and the paths derived from it point
  at the worker's copy. Workers refuse snapshots uploaded before this revision (no entry):
  upload the workflow again.
* ``task_names``: the workflow's tasks (a JSON list), so the API server refuses a command for a
  task the execution's workflow does not have without unpickling the workflow.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workflow_snapshot", sa.Column("entry", sa.String(1024), nullable=True))
    op.add_column("workflow_snapshot", sa.Column("task_names", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow_snapshot") as batch:
        batch.drop_column("task_names")
        batch.drop_column("entry")
