"""Tokens added and revoked while the server runs.

* ``api_token``: bearer tokens of the REST API added through ``POST /api/v1/tokens``
  (``aiflow token add``), next to the ones configured in ``api_tokens``. Only the SHA-256 of each
  secret is stored, unique and indexed, so every API server process finds the caller by one indexed
  lookup and sees a revoked token gone at once. ``namespaces`` is a JSON list, null for every namespace.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

NAME = sa.String(length=255)
TIMESTAMP = sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("name", NAME, primary_key=True),
        sa.Column("token_sha256", sa.String(64), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("namespaces", sa.JSON(), nullable=True),
        sa.Column("create_time", TIMESTAMP, nullable=False),
        sa.Column("created_by", NAME, nullable=False),
    )
    op.create_index("ix_api_token_token_sha256", "api_token", ["token_sha256"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_api_token_token_sha256", table_name="api_token")
    op.drop_table("api_token")
