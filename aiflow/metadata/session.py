"""Transactions on the metadata database: one explicit session per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

IN_CHUNK = 500
"""Most ids in one ``IN`` list, well under every backend's limit on bound parameters."""


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session inside a transaction: committed on exit, rolled back on an exception.

    Objects stay readable after the commit (``expire_on_commit=False``), so a
    caller may return them from the ``with`` block.
    """
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
