"""The key of try tokens: ``try_token_key``, one row of 32 random bytes.

The scheduler signs each try's token with it and the API server checks tokens with it
(:mod:`aiflow.try_token`). The table starts empty; the first of them to need the key makes it
(:func:`aiflow.metadata.try_key.try_token_key`), so no key is ever written by a migration.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "try_token_key",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("key", sa.LargeBinary(), nullable=False),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.CheckConstraint("id = 1", name="single_row"),
    )


def downgrade() -> None:
    op.drop_table("try_token_key")
