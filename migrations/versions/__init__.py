"""Alembic revisions, one module per schema change, applied in ``down_revision`` order."""

from __future__ import annotations
