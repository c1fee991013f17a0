"""The workflow's current snapshot: ``workflow.snapshot_id``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Uploading content a workflow already had makes that older snapshot current
again without a new row (snapshots are unique per content hash), so "the
latest snapshot" cannot be the newest row. The column has no foreign key: a
workflow and its snapshots would otherwise refer to each other, and the API
server keeps it in step (a snapshot is only deleted with its workflow).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.add_column("workflow", sa.Column("snapshot_id", ID, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workflow") as batch:
        batch.drop_column("snapshot_id")
