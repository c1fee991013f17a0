"""Which store this is: the database's own id, and the id of the event bus it is paired with.

The table ``store_identity`` holds one row. Its ``database_id`` is a random hex string made when the
schema is created (revision 0007, run by ``aiflow db init`` and ``aiflow db upgrade``), so a database
that is reset, or replaced by an empty one, has another id. ``bus_id`` is the store id of the event
bus the scheduler paired the database with (:mod:`notification.store_layout` keeps the other half,
the database id, in the bus); it stays null until the first pairing. The scheduler compares both
halves before it applies anything (:mod:`aiflow.scheduler.pairing`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column

from aiflow.errors import ConfigError
from aiflow.metadata.base import SINGLE_ROW_ID, Base, SingleRow
from aiflow.metadata.column_types import UTCDateTime, creation_time

STORE_ID_LENGTH = 64


class StoreIdentity(SingleRow, Base):
    """The database's id and the event bus it is paired with (one row)."""

    __tablename__ = "store_identity"
    database_id: Mapped[str] = mapped_column(String(STORE_ID_LENGTH), nullable=False)
    bus_id: Mapped[str | None] = mapped_column(
        String(STORE_ID_LENGTH), doc="Store id of the paired event bus; null before the first pairing."
    )
    paired_time: Mapped[datetime | None] = mapped_column(UTCDateTime(), doc="When the pairing was recorded.")
    create_time: Mapped[datetime] = creation_time()


def new_database_id() -> str:
    """Return a fresh random database id (the form the revision also uses)."""
    return uuid.uuid4().hex


def ensure_identity(session: Session) -> StoreIdentity:
    """Return the identity row, giving the database a new id if the row is missing."""
    row = session.get(StoreIdentity, SINGLE_ROW_ID)
    if row is None:
        row = StoreIdentity(id=SINGLE_ROW_ID, database_id=new_database_id())
        session.add(row)
        session.flush()
    return row


def load_identity(session: Session) -> StoreIdentity:
    """Return the identity row.

    Raises:
        ConfigError: the database has none (its schema was never initialised).
    """
    row = session.get(StoreIdentity, SINGLE_ROW_ID)
    if row is None:
        raise ConfigError("the metadata database has no identity: run 'aiflow db init'")
    return row


def record_bus(session: Session, bus_id: str, now: datetime) -> None:
    """Record that the database is paired with the event bus ``bus_id`` (in the caller's transaction)."""
    row = load_identity(session)
    row.bus_id = bus_id
    row.paired_time = now
