"""The web UI's sign-in session: a signed, HTTP-only cookie holding the hash of the caller's token.

The cookie never holds the token itself, only its SHA-256 digest (what :class:`~web.tokens.TokenRegistry`
compares), so it cannot be replayed as a bearer token against the REST API from elsewhere; each request
looks the digest up again, so a revoked token ends its sessions at once. The signing key is derived from
the try-token key stored in the metadata database, so every API server process (and every host) signs
alike without a new setting. Requests authenticated by the cookie that change something must carry the
session's CSRF token, in the ``X-CSRF-Token`` header (htmx requests) or the ``csrf_token`` form field.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import Flask, request, session
from flask.sessions import NullSession, SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.exceptions import Forbidden

from aiflow.metadata.try_key import try_token_key
from web.services import EXTENSION

logger = logging.getLogger(__name__)

DIGEST = "token_sha256"
CSRF = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_LIFETIME = timedelta(hours=12)
_KEY_EXTENSION = "aiflow.session_key"


class DerivedKeySessionInterface(SecureCookieSessionInterface):
    """Signs sessions with a key derived from the stored try-token key, read once per app.

    While the database cannot be read, requests get no session (pages ask to sign in; bearer calls work).
    """

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = app.extensions.get(_KEY_EXTENSION)
        if key is None:
            try:
                key = hmac.new(try_token_key(app.extensions[EXTENSION].engine), b"aiflow web session",
                               hashlib.sha256).digest()
            except Exception as exc:  # an outage: no session for this request, try again on the next
                logger.warning("API: the session key cannot be read: %s", exc)
                return None
            app.extensions[_KEY_EXTENSION] = key
        return URLSafeTimedSerializer(key, salt=self.salt, serializer=self.serializer,
                                      signer_kwargs={"key_derivation": self.key_derivation,
                                                     "digest_method": self.digest_method})


def sign_in(digest: str) -> None:
    """Start a session for the token with ``digest`` (a fresh CSRF token with it)."""
    session.clear()
    session.permanent = True
    session[DIGEST] = digest
    session[CSRF] = secrets.token_urlsafe(32)


def sign_out() -> None:
    """End the session."""
    session.clear()


def session_digest() -> str | None:
    """The token digest of the signed-in session, if any."""
    digest = session.get(DIGEST)
    return digest if isinstance(digest, str) else None


def csrf_token() -> str:
    """The session's CSRF token (one is made for a visitor without a session, e.g. on the sign-in page).

    Empty while sessions cannot be signed (the key is unreadable in an outage): no form posts then.
    """
    token = session.get(CSRF)
    if isinstance(session, NullSession):
        return ""
    if not isinstance(token, str):
        token = session[CSRF] = secrets.token_urlsafe(32)
    return token


def check_csrf() -> None:
    """Refuse a cookie-authenticated request that changes something without the session's CSRF token."""
    expected = session.get(CSRF)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        raise Forbidden("the form is out of date (missing or wrong CSRF token); reload the page")


def init_app(app: Flask) -> None:
    """Use the derived-key session on ``app``, with a secure, HTTP-only, same-site cookie."""
    app.session_interface = DerivedKeySessionInterface()
    settings: dict[str, Any] = {
        "SESSION_COOKIE_NAME": "aiflow_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": True,  # browsers keep it on http://localhost and 127.0.0.1 too
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": SESSION_LIFETIME,
    }
    app.config.update(settings)
