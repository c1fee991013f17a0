"""One page of a longer result, counted and cut by ``limit`` and ``offset``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """Up to ``limit`` items from ``offset`` on, and how many there are in all."""

    items: list[T]
    total: int


def paginate(session: Session, statement: Select[Any], limit: int, offset: int) -> Page[Any]:
    """Run ``statement`` (which must be ordered) for one page and count all its rows."""
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = session.scalar(count) or 0
    items = list(session.scalars(statement.limit(limit).offset(offset)))
    return Page(items, total)
