"""The web UI: server-rendered pages of the API server, with the same tokens and roles as the REST API.

Pages are Jinja templates under ``web/templates/<blueprint>/``; the parts that change live (a task's
row, a graph node, a log chunk, an event) are fragments of the same templates, pushed over server-sent
events (:mod:`web.ui.streams`). Buttons and forms call the REST API itself with the session cookie and
its CSRF token, so the UI adds no second way to change anything. Front-end code: ``web/static``
(vendored libraries under ``web/static/vendor``, listed with their licences in its README).
"""

from __future__ import annotations

import logging

from flask import Flask, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException, Unauthorized
from werkzeug.wrappers import Response

from aiflow.errors import AIFlowError, NotFoundError
from web.errors import BUS_UNREACHABLE, DATABASE_UNREACHABLE, handle_aiflow_error
from web.ui import context, events, executions, logs, signin, system, workflows

logger = logging.getLogger(__name__)

UNAVAILABLE = "The metadata database or the event bus cannot be reached just now; reload the page in a moment."
BLUEPRINTS = (signin.bp, workflows.bp, executions.bp, logs.bp, events.bp, system.bp)


def _to_sign_in(error: Unauthorized) -> Response:
    return redirect(url_for("ui_signin.login", next=request.full_path.rstrip("?")))


def _error_page(error: Exception) -> tuple[str, int]:
    if isinstance(error, DATABASE_UNREACHABLE + BUS_UNREACHABLE):
        logger.warning("Web UI: %s unavailable: %s", "database" if isinstance(error, DATABASE_UNREACHABLE)
                       else "event bus", error)
        return render_template("ui/error.html", status=503, detail=UNAVAILABLE), 503
    if isinstance(error, HTTPException):
        status, detail = error.code or 500, error.description or ""
    else:
        assert isinstance(error, AIFlowError)
        status, detail = handle_aiflow_error(error)[1], str(error)
    if isinstance(error, NotFoundError) or status == 403 and "namespace" in detail:
        status, detail = 404, "There is nothing here, or not for this token."
    return render_template("ui/error.html", status=status, detail=detail), status


for _blueprint in BLUEPRINTS:  # the pages' errors are pages too; a missing sign-in goes to the sign-in form
    _blueprint.register_error_handler(Unauthorized, _to_sign_in)
    _blueprint.register_error_handler(HTTPException, _error_page)
    _blueprint.register_error_handler(AIFlowError, _error_page)
    for _unreachable in DATABASE_UNREACHABLE + BUS_UNREACHABLE:
        _blueprint.register_error_handler(_unreachable, _error_page)


def init_app(app: Flask) -> None:
    """Register the pages and what their templates use."""
    context.init_app(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
