"""The declarative base every AIFlow table derives from.

Constraints and indexes get predictable names through a naming convention,
so Alembic revisions can refer to them on every backend (SQLite batch mode
needs names to alter a constraint). Multi-column constraints are named
explicitly in their table, because generated names would pass MySQL's
64-character limit. Alembic revisions use the same convention, so changing it
would give new databases different names than migrated ones: add a revision
that renames the constraints instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CheckConstraint, Integer, MetaData
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}


class Base(DeclarativeBase):
    """Base class of the metadata tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


SINGLE_ROW_ID = 1
"""The primary key of the only row of a :class:`SingleRow` table."""


class SingleRow:
    """Mixin of a table that holds one row, whose id a check constraint pins to :data:`SINGLE_ROW_ID`."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (CheckConstraint(f"id = {SINGLE_ROW_ID}", name="single_row"),)

    #: The first column, as the revisions that create these tables have it.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, default=SINGLE_ROW_ID,
                                    sort_order=-1)
