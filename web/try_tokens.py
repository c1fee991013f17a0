"""Try tokens as callers of the API: a task may send and read its own namespace's events, nothing else.

A bearer starting with ``aiflow-try.`` (:mod:`aiflow.try_token`) is checked here rather than
against the configured tokens, on open servers too: its HMAC under the key in the metadata
database (401 when it is wrong), then the request, which must be ``POST`` or
``GET /namespaces/<namespace>/events``, then the try it names, which must be its task execution's
current try and live (QUEUED, RUNNING or STOPPING) and of that namespace; anything else is 403.
The view then stamps the events the try sends with its task's name as sender and its workflow
execution as context (:func:`current_grant`), whatever the request's body says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from aiflow.metadata.queries.executions import current_try
from aiflow.metadata.try_key import try_token_key
from aiflow.model.status import TaskStatus
from aiflow.try_token import TryId, looks_like_try_token, verify
from web.services import services, transaction

LIVE = frozenset({TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.STOPPING})
"""The statuses in which a try's token is accepted."""
ENDPOINTS = frozenset({"events.send_event", "events.list_events"})
"""The only views a try token reaches."""
_KEY_EXTENSION = "aiflow.try_token_key"


@dataclass(frozen=True)
class TryGrant:
    """What a request carrying a valid token of a live try may act as."""

    try_id: TryId
    namespace: str
    workflow_execution_id: int
    task_name: str

    @property
    def name(self) -> str:
        """The caller's name, for messages."""
        return self.try_id.describe()

    def event_context(self) -> str:
        """The context of the events the try sends: its workflow execution (docs/contracts.md §1)."""
        return json.dumps({"workflow_execution_id": self.workflow_execution_id})


def bearer_try_token(authorization: str | None) -> str | None:
    """Return the try token an ``Authorization`` header carries; None for any other header (or none)."""
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    return secret if scheme.lower() == "bearer" and looks_like_try_token(secret) else None


def authenticate(token: str) -> TryGrant:
    """Check ``token`` and what the current request asks; return the grant (kept for :func:`current_grant`).

    Raises:
        Unauthorized: the token is malformed or its HMAC is wrong.
        Forbidden: the request is not one a try may make, or the try is over, not current, or of another namespace.
    """
    try_id = verify(_key(), token)
    if try_id is None:
        raise Unauthorized("the try token is not valid", www_authenticate=WWWAuthenticate("bearer"))
    if request.endpoint not in ENDPOINTS:
        raise Forbidden("a try token may only send and list the events of its namespace")
    grant = _live_grant(try_id)
    namespace = (request.view_args or {}).get("namespace")
    if namespace != grant.namespace:
        raise Forbidden(f"a try token may not access namespace {namespace!r}")
    g.try_grant = grant
    return grant


def current_grant() -> TryGrant | None:
    """Return the grant of the current request when a try token made it, else None."""
    grant: TryGrant | None = g.get("try_grant")
    return grant


def _live_grant(try_id: TryId) -> TryGrant:
    with transaction() as session:
        found = current_try(session, try_id.task_execution_id)
    if found is None or found.try_number != try_id.try_number or found.status not in LIVE:
        raise Forbidden(f"{try_id.describe()} is not running: its token is no longer accepted")
    return TryGrant(try_id, found.namespace, found.workflow_execution_id, found.task_name)


def _key() -> bytes:
    """The key of try tokens, read from the database once per app."""
    key: bytes | None = current_app.extensions.get(_KEY_EXTENSION)
    if key is None:
        key = current_app.extensions[_KEY_EXTENSION] = try_token_key(services().engine)
    return key
