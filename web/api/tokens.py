"""``/tokens``: list, add and revoke API tokens while the server runs (admins only).

A token added here is stored hashed (see :mod:`web.tokens`); its secret is in the
answer to ``POST`` and nowhere else. Tokens configured in ``api_tokens`` are listed
too (``"source": "config"``) but only the configuration file changes them.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint

from aiflow.errors import ConflictError, InvalidInputError, NotFoundError
from aiflow.metadata.queries import tokens as queries
from aiflow.model.names import check_name
from web.auth import Role, hash_token, principal, require_admin
from web.params import json_body, paging
from web.records import configured_token_record, stored_token_record
from web.services import services, transaction
from web.tokens import ROLE_NAMES

bp = Blueprint("tokens", __name__)

SECRET_BYTES = 32
"""Random bytes in a new token's secret (43 URL-safe characters)."""


@bp.get("/tokens")
def list_tokens() -> dict[str, Any]:
    """The configured and the stored tokens, by name: never their hashes or secrets."""
    require_admin()
    limit, offset = paging()
    with transaction() as session:
        stored = [stored_token_record(token) for token in queries.list_tokens(session)]
    configured = [configured_token_record(token) for token in services().tokens.configured]
    records = sorted([*configured, *stored], key=lambda record: (record["name"], record["source"]))
    return {"items": records[offset:offset + limit], "total": len(records)}


@bp.post("/tokens")
def add_token() -> tuple[dict[str, Any], int]:
    """Add a token ``{"name", "role", "namespaces"}``; the answer holds its secret (``token``), shown only here."""
    require_admin()
    body = json_body()
    name = check_name("Token", body.get("name"))
    role = _role(body.get("role"))
    namespaces = _namespaces(body.get("namespaces"), role)
    if services().tokens.is_configured(name):
        raise ConflictError(f"token {name!r} is configured in api_tokens")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction() as session:
        token = queries.add_token(session, name, hash_token(secret), role.value, namespaces, principal().name)
        return {**stored_token_record(token), "token": secret}, 201


@bp.delete("/tokens/<token_name>")
def revoke_token(token_name: str) -> tuple[str, int]:
    """Revoke a stored token: 404 for an unknown one, 409 for a configured one or the last admin token."""
    require_admin()
    registry = services().tokens
    with transaction() as session:
        token = queries.get_token(session, token_name)
        if token is None:
            if registry.is_configured(token_name):
                raise ConflictError(f"token {token_name!r} is configured in api_tokens; remove it there and "
                                    "restart the API server to revoke it")
            raise NotFoundError(f"token {token_name!r} does not exist")
        registry.check_revocable(session, token)
        session.delete(token)
    return "", 204


def _role(value: object) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInputError(f"field 'role' must be one of {ROLE_NAMES}") from None


def _namespaces(value: object, role: Role) -> list[str] | None:
    """The namespaces a new token covers: None (every one) when absent, else the listed names, sorted."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidInputError("field 'namespaces' must be a list of namespace names")
    if role is Role.ADMIN:
        raise InvalidInputError("an admin token covers every namespace; leave out 'namespaces'")
    return sorted({check_name("Namespace", namespace) for namespace in value})
