"""Service routes: health, version and the OpenAPI document."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint
from sqlalchemy import text

from aiflow.version import get_version
from web.auth import public
from web.errors import BUS_UNREACHABLE, DATABASE_UNREACHABLE, error_response
from web.openapi import openapi_document
from web.services import services

logger = logging.getLogger(__name__)
bp = Blueprint("health", __name__)

OK = "ok"
UNREACHABLE = "unreachable"


@bp.get("/health")
@public
def health() -> Any:
    """Answer 200 while the database and the event bus answer, else 503 naming the one down (no token needed)."""
    checks = {"database": _database_answers(), "bus": _bus_answers()}
    down = [name for name, answers in checks.items() if not answers]
    states = {name: OK if answers else UNREACHABLE for name, answers in checks.items()}
    if down:
        return error_response(503, "unavailable", f"unreachable: {', '.join(down)}", **states)
    return {"status": OK, **states}


def _database_answers() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DATABASE_UNREACHABLE as exc:
        logger.warning("API: health: metadata database unavailable: %s", exc)
        return False
    return True


def _bus_answers() -> bool:
    try:
        services().bus.redis.ping()
    except BUS_UNREACHABLE as exc:
        logger.warning("API: health: event bus unavailable: %s", exc)
        return False
    return True


@bp.get("/version")
def version() -> dict[str, Any]:
    """The AIFlow version the server runs."""
    return {"version": get_version()}


@bp.get("/openapi.json")
@public
def openapi() -> dict[str, Any]:
    """The OpenAPI 3 document of this API (no token needed)."""
    return openapi_document()
