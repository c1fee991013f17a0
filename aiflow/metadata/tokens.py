"""API tokens added through the REST API (``aiflow token add``), stored next to the configured ones.

Only the SHA-256 of a token's secret is stored, in ``token_sha256``, unique and indexed: the API
server finds the caller with one indexed lookup per request, so a token added or revoked through one
server process counts in every other at once. ``role`` holds the value of ``web.auth.Role``;
``namespaces`` is a JSON list of namespace names, or null for every namespace (revision 0008).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from aiflow.metadata.base import Base
from aiflow.metadata.column_types import NAME_LENGTH, STATUS_LENGTH, creation_time

TOKEN_HASH_LENGTH = 64
"""Hex digits of a SHA-256 digest."""


class ApiToken(Base):
    """A bearer token of the REST API: its name, the hash of its secret, its role and namespaces."""

    __tablename__ = "api_token"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), nullable=False, unique=True, index=True)
    role: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False)
    namespaces: Mapped[list[str] | None] = mapped_column(
        JSON, doc="The namespaces the token may access; null: every namespace, []: none."
    )
    create_time: Mapped[datetime] = creation_time()
    created_by: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False, doc="Name of the token that added it.")
