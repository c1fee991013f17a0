"""The tokens a server accepts: configured in ``aiflow_server.yaml``, and stored in the database.

Configured tokens sit under ``api_tokens``, by name, as the SHA-256 of the secret
(see :func:`~web.auth.hash_token`) with a role and an optional list of namespaces::

    api_tokens:
      ci: {token_sha256: 5e88...42, role: editor, namespaces: [ml]}

They are read once at startup and cannot be revoked through the API. Stored tokens
(``POST /api/v1/tokens``, ``aiflow token add``) live in the table ``api_token``;
:meth:`TokenRegistry.authenticate` looks the presented hash up there on every request
that no configured token matched, by an indexed query and without a cache, so a
token added or revoked through one server process counts in every other at once.

A server is *open* (every request acts as :data:`~web.auth.LOCAL_ADMIN`) only while
it binds to a loopback address and neither the configuration nor the database holds
a token. Storing the first token closes it: from then on every request needs a token.
Revoking the last admin token is refused while other tokens remain, and always on a
non-loopback address (see :meth:`TokenRegistry.check_revocable`), so admins never
lock themselves out; on loopback, revoking the only token opens the server again.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from aiflow.errors import ConfigError, ConflictError
from aiflow.metadata import session_scope
from aiflow.metadata.queries import tokens as queries
from web.auth import LOCAL_ADMIN, Principal, Role, hash_token

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session

    from aiflow.metadata import ApiToken

ROLE_NAMES = ", ".join(role.value for role in Role)


class TokenRegistry:
    """The configured tokens, by the hash of their secret, and the database holding the others."""

    def __init__(self, configured: Mapping[str, Principal], engine: Engine, bind_address: str) -> None:
        self._by_hash = dict(configured)
        self._engine = engine
        self._bind_address = bind_address
        self._loopback = _is_loopback(bind_address)

    @classmethod
    def from_config(cls, tokens: Mapping[str, Any], engine: Engine, bind_address: str) -> TokenRegistry:
        """Read the ``api_tokens`` setting.

        Raises:
            ConfigError: an entry is not a mapping, lacks a valid hash, names an unknown role,
                or gives namespaces to an admin.
        """
        return cls(dict(_parse_token(name, entry) for name, entry in tokens.items()), engine, bind_address)

    @property
    def configured(self) -> list[Principal]:
        """The configured tokens, by name."""
        return sorted(self._by_hash.values(), key=lambda token: token.name)

    def is_configured(self, name: str) -> bool:
        """Return whether ``api_tokens`` names a token ``name``."""
        return any(token.name == name for token in self._by_hash.values())

    def authenticate(self, authorization: str | None) -> Principal:
        """Return the caller named by an ``Authorization`` header.

        Raises:
            Unauthorized: the header is missing, not a bearer token, or names no token, and the server is not open.
        """
        scheme, _, secret = (authorization or "").partition(" ")
        digest = hash_token(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
        return self.authenticate_digest(digest)

    def authenticate_digest(self, digest: str | None) -> Principal:
        """Return the caller whose token has the SHA-256 ``digest`` (None: no token; the web UI's sessions keep it).

        Raises:
            Unauthorized: as :meth:`authenticate`.
        """
        if digest is not None:
            for known, configured in self._by_hash.items():
                if hmac.compare_digest(known, digest):
                    return configured
        with session_scope(self._engine) as session:
            stored = queries.find_token(session, digest) if digest is not None else None
            if stored is not None:
                return stored_principal(stored)
            if self._is_open(session):
                return LOCAL_ADMIN
        if digest is None:
            raise _unauthorized("this server needs 'Authorization: Bearer <token>'")
        raise _unauthorized("the bearer token is not valid")

    def check_bind_address(self) -> None:
        """Refuse an open server on an address other hosts can reach.

        Raises:
            ConfigError: the bind address is not loopback and no token is configured or stored
                (or the database cannot tell).
        """
        if self._loopback or self._by_hash:
            return
        try:
            with session_scope(self._engine) as session:
                stored = queries.any_token(session)
        except SQLAlchemyError as exc:
            cause = getattr(exc, "orig", None) or exc
            raise ConfigError(f"cannot read the tokens stored in the metadata database: {cause}") from exc
        if not stored:
            raise ConfigError(
                f"rest_bind_address {self._bind_address!r} is reachable from other hosts but no api_tokens are "
                "configured and no token is stored; configure api_tokens, or bind to 127.0.0.1 and add one "
                "with 'aiflow token add'"
            )

    def check_revocable(self, session: Session, token: ApiToken) -> None:
        """Refuse to revoke the last admin token unless that leaves a loopback server with no token (open).

        Raises:
            ConflictError: revoking ``token`` would leave tokens but no admin, or a public server with none.
        """
        if token.role != Role.ADMIN.value or queries.other_tokens(session, token.name, Role.ADMIN.value):
            return
        if any(configured.role is Role.ADMIN for configured in self._by_hash.values()):
            return
        if self._loopback and not self._by_hash and not queries.other_tokens(session, token.name):
            return
        raise ConflictError(
            f"token {token.name!r} is the last admin token; add another admin token before revoking it"
        )

    def _is_open(self, session: Session) -> bool:
        return self._loopback and not self._by_hash and not queries.any_token(session)


def stored_principal(token: ApiToken) -> Principal:
    """The caller a stored token names."""
    return Principal(token.name, Role(token.role), None if token.namespaces is None else frozenset(token.namespaces))


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
        raise ConfigError(f"{where}: role must be one of {ROLE_NAMES}") from None
    namespaces = entry.get("namespaces")
    if namespaces is not None and not (isinstance(namespaces, list) and all(isinstance(n, str) for n in namespaces)):
        raise ConfigError(f"{where}: namespaces must be a list of namespace names")
    if namespaces is not None and role is Role.ADMIN:
        raise ConfigError(f"{where}: an admin token covers every namespace; remove its namespaces")
    return digest, Principal(name, role, None if namespaces is None else frozenset(namespaces))


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer"))


def _is_loopback(address: str) -> bool:
    """Return whether ``address`` is reachable from this host only."""
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False
