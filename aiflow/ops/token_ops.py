"""API tokens: add, list and revoke tokens while the server runs (admin tokens only)."""

from __future__ import annotations

from aiflow.ops.http import call, list_items, resource
from aiflow.ops.meta import NewTokenMeta, TokenMeta


def add_token(name: str, role: str, namespaces: list[str] | None = None) -> NewTokenMeta:
    """Add the token ``name`` of ``role`` (admin, editor, viewer or worker) for ``namespaces`` (None: every one).

    The returned record's ``token`` is the secret; the server keeps only its hash and never shows it again.
    """
    body: dict[str, object] = {"name": name, "role": role}
    if namespaces is not None:
        body["namespaces"] = namespaces
    return NewTokenMeta.from_json(call("POST", "/tokens", json=body))


def list_tokens(limit: int | None = None, offset: int | None = None) -> list[TokenMeta] | None:
    """Return the configured and the added tokens by name (all of them without ``limit``), or None if none."""
    return TokenMeta.list_from_json(list_items("/tokens", limit, offset))


def revoke_token(name: str) -> None:
    """Revoke the added token ``name``; every server process refuses it from then on.

    Raises:
        AIFlowException: the token does not exist, is configured in ``api_tokens``, is the last admin token,
            or the call failed.
    """
    call("DELETE", resource("tokens", name))
