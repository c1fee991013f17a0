"""Every error becomes a JSON response ``{"error": kind, "detail": message}``, here and only here.

AIFlow's errors map by class (a handler for a base class covers its
subclasses); HTTP errors Werkzeug raises (unknown route, wrong method,
malformed JSON, payload too large, missing or refused token) keep their
status. A metadata database or an event bus that cannot be reached (a refused,
dropped or timed-out connection, a pool with no free connection) is 503
``unavailable``, as a :class:`~aiflow.errors.TransientError` is. Anything else
is a bug: logged once with its traceback, answered 500.
"""

from __future__ import annotations

import logging

import redis
from flask import Flask, Response, jsonify
from sqlalchemy import exc as db_errors
from werkzeug.exceptions import HTTPException

from aiflow.errors import (
    AIFlowError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TransientError,
)
from aiflow.loader.errors import WorkflowFileError

logger = logging.getLogger(__name__)

_STATUS: dict[type[AIFlowError], tuple[int, str]] = {
    NotFoundError: (404, "not_found"),
    ConflictError: (409, "conflict"),
    InvalidInputError: (400, "invalid_input"),
    TransientError: (503, "unavailable"),
}

DATABASE_UNREACHABLE: tuple[type[Exception], ...] = (
    db_errors.OperationalError,  # refused, dropped or timed-out connections, and SQLite's "locked" after its wait
    db_errors.InterfaceError,  # a driver's connection already closed
    db_errors.DisconnectionError,
    db_errors.TimeoutError,  # no pooled connection became free in time
)
"""Errors of the metadata database that mean it cannot be reached now (503)."""
BUS_UNREACHABLE: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
"""Errors of a direct Redis call (outside the bus client's retries) that mean the bus cannot be reached (503)."""


def error_response(status: int, kind: str, detail: str, **extra: object) -> tuple[Response, int]:
    """Return the JSON error body with ``status``."""
    return jsonify(error=kind, detail=detail, **extra), status


def handle_aiflow_error(error: AIFlowError) -> tuple[Response, int]:
    """Answer an AIFlow error with the status of its nearest mapped class."""
    for cls in type(error).__mro__:
        if cls in _STATUS:
            status, kind = _STATUS[cls]
            return error_response(status, kind, str(error))
    return handle_unexpected(error)


def handle_workflow_file_error(error: WorkflowFileError) -> tuple[Response, int]:
    """Answer a workflow file that does not load with 400 and where it failed."""
    return error_response(
        400, "invalid_workflow_file", str(error), file=error.file, line=error.line, message=error.message
    )


def handle_http_error(error: HTTPException) -> tuple[Response, int] | Response:
    """Answer a Werkzeug HTTP error with its status, keeping its headers (``Allow``, ``WWW-Authenticate``)."""
    status = error.code or 500
    kind = (error.name or "error").lower().replace(" ", "_")
    response, _ = error_response(status, kind, error.description or error.name)
    response.status_code = status
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def handle_unreachable_database(error: Exception) -> tuple[Response, int]:
    """Answer 503 while the metadata database cannot be reached; the cause goes to the log only."""
    logger.warning("API: metadata database unavailable: %s", error)
    return error_response(503, "unavailable", "the metadata database is unavailable; try again later")


def handle_unreachable_bus(error: Exception) -> tuple[Response, int]:
    """Answer 503 while the event bus cannot be reached."""
    logger.warning("API: event bus unavailable: %s", error)
    return error_response(503, "unavailable", "the event bus is unavailable; try again later")


def handle_unexpected(error: Exception) -> tuple[Response, int]:
    """Log a bug with its traceback and answer 500 without revealing internals."""
    logger.error("API: unexpected error: %s", error, exc_info=error)
    return error_response(500, "internal", "internal server error; see the server log")


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(WorkflowFileError, handle_workflow_file_error)
    app.register_error_handler(AIFlowError, handle_aiflow_error)
    app.register_error_handler(HTTPException, handle_http_error)
    for database_error in DATABASE_UNREACHABLE:
        app.register_error_handler(database_error, handle_unreachable_database)
    for bus_error in BUS_UNREACHABLE:
        app.register_error_handler(bus_error, handle_unreachable_bus)
    app.register_error_handler(Exception, handle_unexpected)

