"""API tokens stored in the database: find by hash, list, add, and what revoking one would leave."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aiflow.errors import ConflictError
from aiflow.metadata.tokens import ApiToken


def find_token(session: Session, token_sha256: str) -> ApiToken | None:
    """Return the token whose secret has the SHA-256 ``token_sha256`` (an indexed lookup), or None."""
    return session.scalar(select(ApiToken).where(ApiToken.token_sha256 == token_sha256))


def any_token(session: Session) -> bool:
    """Return whether the database holds a token."""
    return bool(session.scalar(select(exists().select_from(ApiToken))))


def list_tokens(session: Session) -> list[ApiToken]:
    """Return every stored token by name."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))


def get_token(session: Session, name: str) -> ApiToken | None:
    """Return the stored token ``name``, or None."""
    return session.get(ApiToken, name)


def add_token(
    session: Session, name: str, token_sha256: str, role: str, namespaces: list[str] | None, created_by: str
) -> ApiToken:
    """Store a token; a name already stored is a conflict."""
    if session.get(ApiToken, name) is not None:
        raise ConflictError(f"token {name!r} already exists")
    token = ApiToken(name=name, token_sha256=token_sha256, role=role, namespaces=namespaces, created_by=created_by)
    session.add(token)
    try:
        session.flush()
    except IntegrityError:  # another request stored the same name meanwhile
        raise ConflictError(f"token {name!r} already exists") from None
    return token


def other_tokens(session: Session, name: str, role: str | None = None) -> bool:
    """Return whether a stored token other than ``name`` exists (of ``role``, when given)."""
    condition = ApiToken.name != name
    if role is not None:
        condition &= ApiToken.role == role
    return bool(session.scalar(select(exists().where(condition))))
