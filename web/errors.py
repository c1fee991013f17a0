"""Every error becomes a JSON response ``{"error": kind, "detail": message}``, here and only here.

AIFlow's errors map by class (a handler for a base class covers its
subclasses); HTTP errors Werkzeug raises (unknown route, wrong method,
malformed JSON, payload too large, missing or refused token) keep their
status. Anything else is a bug: logged once with its traceback, answered 500.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
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


def handle_unexpected(error: Exception) -> tuple[Response, int]:
    """Log a bug with its traceback and answer 500 without revealing internals."""
    logger.error("API: unexpected error: %s", error, exc_info=error)
    return error_response(500, "internal", "internal server error; see the server log")


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(WorkflowFileError, handle_workflow_file_error)
    app.register_error_handler(AIFlowError, handle_aiflow_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)

