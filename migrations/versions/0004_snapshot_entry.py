"""The workflow file of a snapshot: ``workflow_snapshot.entry``.

Workers run a task by executing the snapshot's workflow file from the unpacked package, so
that the file's ``__file__`` and the paths derived from it point at the worker's copy. The
entry is the file's path inside the package. Snapshots uploaded before this revision have
none, and workers refuse to run them: upload the workflow again.

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


def downgrade() -> None:
    with op.batch_alter_table("workflow_snapshot") as batch:
        batch.drop_column("entry")
