"""The key of try tokens (:mod:`aiflow.try_token`), kept in the metadata database.

The table ``try_token_key`` (revision 0009) holds one row: 32 random bytes made on first need by
whichever process needs them first, the scheduler (to mint) or an API server (to verify). Only those
two open the database, so workers and the tasks they run never see the key. Two processes making it
at once both end up with the row that was inserted first.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from aiflow.metadata.base import SINGLE_ROW_ID, Base, SingleRow
from aiflow.metadata.column_types import creation_time
from aiflow.metadata.session import session_scope

KEY_BYTES = 32


class TryTokenKey(SingleRow, Base):
    """The HMAC key of try tokens (one row)."""

    __tablename__ = "try_token_key"
    key: Mapped[bytes] = mapped_column(LargeBinary(), nullable=False)
    create_time: Mapped[datetime] = creation_time()


def try_token_key(engine: Engine) -> bytes:
    """Return the key, making it first if the database has none yet.

    Callers keep it for their lifetime: it changes only with the database (``aiflow db reset``).
    """
    with session_scope(engine) as session:
        row = session.get(TryTokenKey, SINGLE_ROW_ID)
        if row is not None:
            return row.key
    try:
        with session_scope(engine) as session:
            session.add(TryTokenKey(id=SINGLE_ROW_ID, key=secrets.token_bytes(KEY_BYTES)))
    except IntegrityError:
        pass  # another process inserted it meanwhile: use theirs
    with session_scope(engine) as session:
        return session.get_one(TryTokenKey, SINGLE_ROW_ID).key
