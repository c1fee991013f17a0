"""Alembic migrations of AIFlow's metadata database; run them with ``aiflow db``."""

from __future__ import annotations
