"""Service routes: liveness, version and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aiflow.version import get_version
from web.auth import public
from web.openapi import openapi_document

bp = Blueprint("health", __name__)


@bp.get("/health")
@public
def health() -> dict[str, Any]:
    """Answer while the server process serves requests (no token needed)."""
    return {"status": "ok"}


@bp.get("/version")
def version() -> dict[str, Any]:
    """The AIFlow version the server runs."""
    return {"version": get_version()}


@bp.get("/openapi.json")
@public
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 document of this API (no token needed)."""
    return openapi_document()
