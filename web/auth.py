"""Who is calling and what they may do: roles, the caller of a request, and the checks views make.

A request names its caller with ``Authorization: Bearer <token>``, or, from the web UI, with the
session cookie of a sign-in (:mod:`web.session`); :mod:`web.tokens` finds the token, configured in
``aiflow_server.yaml`` (``api_tokens``) or stored in the database (``aiflow token add``).
``admin`` may do anything; ``editor`` reads and changes the workflows, executions and events of
its namespaces; ``viewer`` only reads them; ``worker`` may only fetch snapshots and their packages
(the views marked :func:`for_workers`). A token without ``namespaces`` covers every namespace, one with
``namespaces: []`` none. With no token at all a loopback server is open: every request
acts as :data:`LOCAL_ADMIN`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from werkzeug.exceptions import Forbidden

from aiflow.errors import NotFoundError
from web import session, try_tokens
from web.services import services

F = TypeVar("F", bound=Callable[..., Any])

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Role(str, Enum):
    """What a token may do."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"
    WORKER = "worker"


@dataclass(frozen=True)
class Principal:
    """The caller of a request: a token, or the local user of an open server.

    ``namespaces`` is None when the caller may access every namespace (always for an admin),
    and empty when it may access none.
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


def public(view: F) -> F:
    """Mark a view as reachable without a token."""
    view.aiflow_public = True  # type: ignore[attr-defined]
    return view


def for_workers(view: F) -> F:
    """Mark a view a worker token may call; every view not marked refuses workers (403)."""
    view.aiflow_for_workers = True  # type: ignore[attr-defined]
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
    if view is None or request.endpoint == "static" or getattr(view, "aiflow_public", False):
        return
    authorization = request.headers.get("Authorization")
    try_token = try_tokens.bearer_try_token(authorization)
    if try_token is not None:  # a task's credential: its namespace's events only (web/try_tokens.py)
        grant = try_tokens.authenticate(try_token)
        g.principal = Principal(grant.name, Role.EDITOR, frozenset({grant.namespace}))
        return
    if authorization is None and (digest := session.session_digest()) is not None:  # the web UI's sign-in
        if request.method not in READ_METHODS:
            session.check_csrf()
        g.principal = services().tokens.authenticate_digest(digest)
    else:
        g.principal = services().tokens.authenticate(authorization)
    if g.principal.role is Role.WORKER and not getattr(view, "aiflow_for_workers", False):
        raise Forbidden("a worker token may only fetch snapshots and their packages")
    if g.principal.role is Role.VIEWER and request.method not in READ_METHODS:
        raise Forbidden("a viewer token may only read")


def init_app(app: Flask) -> None:
    """Check the caller of every request before its view runs."""
    app.before_request(_authenticate_request)
