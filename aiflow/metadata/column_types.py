"""Column types shared by every table, portable across SQLite, PostgreSQL and MySQL/MariaDB.

MySQL's ``BLOB`` and ``TEXT`` stop at 64 KiB and its ``DATETIME`` drops
fractions of a second, so the large and precise variants are chosen there.
Indexed strings stay at 255 characters or fewer: an InnoDB index key holds at
most 3072 bytes, four per character in ``utf8mb4``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, Text
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAME_LENGTH = 255
"""Length of indexed names (workflows, tasks, states, queues)."""

STATUS_LENGTH = 32
"""Length of status and type columns, which hold the values of ``str`` Enums."""

Id = BigInteger().with_variant(Integer(), "sqlite")
"""Surrogate keys: 64-bit, except on SQLite where only ``INTEGER`` aliases the auto-incremented rowid."""

NEVER_REUSED = {"sqlite_autoincrement": True}
"""Table options of a table with an :data:`Id` key: its ids are never handed out again.

PostgreSQL sequences and InnoDB counters (persistent since MariaDB 10.2 and MySQL 8.0) only grow;
SQLite needs ``AUTOINCREMENT``, or it gives the largest id again once its row is deleted. Workers key
claims, caches and folders by these ids, so an id must never name two rows (revision 0007).
"""

LargeBlob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql")
"""Pickled objects and durable state values, which may exceed 64 KiB."""

LongText = Text().with_variant(mysql.LONGTEXT(), "mysql")
"""Unbounded text: workflow source, JSON documents, error tracebacks."""


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as a timezone-aware UTC datetime.

    PostgreSQL keeps the offset (``TIMESTAMP WITH TIME ZONE``); SQLite and MySQL
    get a naive UTC value. Naive datetimes are refused, so no local time is ever
    stored by mistake.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; use a timezone-aware one")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def creation_time() -> MappedColumn[Any]:
    """A non-null column set to the insertion time."""
    return mapped_column(UTCDateTime(), default=utcnow, nullable=False)


def parent_id(target: str, *, index: bool = True, primary_key: bool = False) -> MappedColumn[Any]:
    """A non-null foreign key to ``target`` (``"table.column"``) whose rows are deleted with the parent.

    Pass ``index=False`` when a composite index or unique constraint already starts with this
    column; a primary key column is never indexed separately.
    """
    return mapped_column(
        Id,
        ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        index=index and not primary_key,
        primary_key=primary_key,
    )


def clipped(text: str | None, limit: int) -> str | None:
    """Return ``text`` cut to at most ``limit`` characters, ending with an ellipsis when it was cut."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit - 1] + "\u2026"
