"""Bearer tokens: who is calling and which namespaces they may read or change.

Tokens are configured in ``aiflow_server.yaml`` under ``api_tokens``, by name,
as the SHA-256 of the secret (see :func:`hash_token`) with a role and an
optional list of namespaces::

    api_tokens:
      ci: {token_sha256: 5e88...42, role: editor, namespaces: [ml]}

``admin`` may do anything; ``editor`` reads and changes the workflows,
executions and events of its namespaces; ``viewer`` only reads them. Without
``namespaces`` a token covers every namespace. With no token configured the
server is open (every request acts as admin), which :func:`check_bind_address`
allows on a loopback address only.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from aiflow.errors import ConfigError, NotFoundError
from web import try_tokens
from web.services import services

F = TypeVar("F", bound=Callable[..., Any])

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Role(str, Enum):
    """What a token may do."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a configured token, or the local user of an open server.

    ``namespaces`` is None when the caller may access every namespace (always for an admin).
    """

    name: str
    role: Role
    namespaces: frozenset[str] | None = None

    def can_access(self, namespace: str) -> bool:
        """Return whether the caller may see ``namespace``."""
        return self.namespaces is None or namespace in self.namespaces


LOCAL_ADMIN = Principal("local", Role.ADMIN)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest of ``token``: the value to configure as ``token_sha256``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRegistry:
    """The configured tokens, looked up by the hash of the presented secret."""

    def __init__(self, principals: Mapping[str, Principal]) -> None:
        self._by_hash = dict(principals)

    @classmethod
    def from_config(cls, tokens: Mapping[str, Any]) -> TokenRegistry:
        """Read the ``api_tokens`` setting.

        Raises:
            ConfigError: an entry is not a mapping, lacks a valid hash, or names an unknown role.
        """
        return cls(dict(_parse_token(name, entry) for name, entry in tokens.items()))

    @property
    def is_open(self) -> bool:
        """Whether no token is configured, so every request acts as admin."""
        return not self._by_hash

    def authenticate(self, authorization: str | None) -> Principal:
        """Return the caller named by an ``Authorization`` header.

        Raises:
            Unauthorized: the header is missing, not a bearer token, or names no configured token.
        """
        if self.is_open:
            return LOCAL_ADMIN
        scheme, _, secret = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise _unauthorized("this server needs 'Authorization: Bearer <token>'")
        digest = hash_token(secret.strip())
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        raise _unauthorized("the bearer token is not valid")


def _parse_token(name: str, entry: Any) -> tuple[str, Principal]:
    where = f"api_tokens: {name}"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where}: expected a mapping with token_sha256, role and namespaces")
    digest = str(entry.get("token_sha256", "")).lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ConfigError(f"{where}: token_sha256 must be the 64-digit SHA-256 hex digest of the token")
    try:
        role = Role(entry.get("role", Role.VIEWER.value))
    except ValueError:
        raise ConfigError(f"{where}: role must be admin, editor or viewer") from None
    namespaces = entry.get("namespaces")
    if namespaces is not None and not (isinstance(namespaces, list) and all(isinstance(n, str) for n in namespaces)):
        raise ConfigError(f"{where}: namespaces must be a list of namespace names")
    scope = frozenset(namespaces) if namespaces and role is not Role.ADMIN else None
    return digest, Principal(name, role, scope)


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer"))


def check_bind_address(address: str, tokens: TokenRegistry) -> None:
    """Refuse an open server (no tokens) on an address other hosts can reach.

    Raises:
        ConfigError: ``address`` is not a loopback address and no token is configured.
    """
    if tokens.is_open and not _is_loopback(address):
        raise ConfigError(
            f"rest_bind_address {address!r} is reachable from other hosts but no api_tokens are configured; "
            "configure api_tokens or bind to 127.0.0.1"
        )


def _is_loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def public(view: F) -> F:
    """Mark a view as reachable without a token."""
    view.aiflow_public = True  # type: ignore[attr-defined]
    return view


def principal() -> Principal:
    """Return the caller of the current request."""
    caller: Principal = g.principal
    return caller


def require_admin() -> None:
    """Refuse the request unless the caller is an admin."""
    if principal().role is not Role.ADMIN:
        raise Forbidden("only an admin token may do this")


def require_namespace(namespace: str, *, not_found: str | None = None) -> None:
    """Refuse the request unless the caller may access ``namespace``.

    With ``not_found``, answer 404 with that message as if the object did not
    exist (for lookups by id, so ids of other namespaces are not revealed).
    """
    if principal().can_access(namespace):
        return
    if not_found is not None:
        raise NotFoundError(not_found)
    raise Forbidden(f"this token may not access namespace {namespace!r}")


def _authenticate_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "aiflow_public", False):
        return
    authorization = request.headers.get("Authorization")
    try_token = try_tokens.bearer_try_token(authorization)
    if try_token is not None:  # a task's credential: its namespace's events only (web/try_tokens.py)
        grant = try_tokens.authenticate(try_token)
        g.principal = Principal(grant.name, Role.EDITOR, frozenset({grant.namespace}))
        return
    g.principal = services().tokens.authenticate(authorization)
    if g.principal.role is Role.VIEWER and request.method not in READ_METHODS:
        raise Forbidden("a viewer token may only read")


def init_app(app: Flask) -> None:
    """Check the caller of every request before its view runs."""
    app.before_request(_authenticate_request)
