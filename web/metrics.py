"""The API server's Prometheus series and its ``/metrics`` route (docs/metrics.md).

Requests are counted by route: the rule Flask matched (``/api/v1/workflow-executions/<id:execution_id>``),
never the path asked for, so neither ids nor names become label values; a request no rule matched
counts as :data:`UNMATCHED`, an unusual method as ``other``. The latency ends when the response's
headers are ready (a stream's body is not timed).

Under gunicorn every worker process writes its values to files in the server's private
``PROMETHEUS_MULTIPROC_DIR`` (:mod:`aiflow.multiprocess_metrics`) and ``/metrics`` adds up every
process's; without that variable (tests, an app in a process of its own) the app counts in a
registry of its own.

Reading ``/metrics`` takes an admin token, or a viewer token of every namespace: the label values
name namespaces. An open server (no token) serves it to anyone who reaches it.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.exceptions import Forbidden

from web.auth import Role, principal

EXTENSION = "aiflow.metrics"
UNMATCHED = "<unmatched>"
"""The route of requests no rule matched: 404s, and 405s of a method the path does not take."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other counts as ``other``."""

bp = Blueprint("metrics", __name__)


class ApiMetrics:
    """The request series of one app: in a registry of its own, or (``multiprocess``) in the shared folder."""

    def __init__(self, multiprocess: bool) -> None:
        self._registry = None if multiprocess else CollectorRegistry()
        self._requests = Counter("aiflow_api_requests", "Requests answered, by route, method and status.",
                                 ["route", "method", "status"], registry=self._registry)
        self._latency = Histogram("aiflow_api_request_duration_seconds",
                                  "Seconds from a request's arrival to its response's headers.",
                                  ["route", "method"], registry=self._registry)

    def answered(self, route: str, method: str, status: int, seconds: float | None) -> None:
        """Count one answered request (``seconds`` None: its start was not seen)."""
        method = method if method in METHODS else "other"
        self._requests.labels(route, method, str(status)).inc()
        if seconds is not None:
            self._latency.labels(route, method).observe(seconds)

    def exposition(self) -> bytes:
        """The text format of every series, added up over the server's processes in multiprocess mode."""
        if self._registry is not None:
            return generate_latest(self._registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


def init_app(app: Flask) -> None:
    """Time and count every request of ``app``, and serve ``/metrics``.

    Call it before the other ``init_app`` s, so that requests they refuse (401) are timed too.
    """
    app.extensions[EXTENSION] = ApiMetrics("PROMETHEUS_MULTIPROC_DIR" in os.environ)
    app.before_request(_arrived)
    app.after_request(_answered)
    app.register_blueprint(bp)


def _arrived() -> None:
    g.aiflow_arrived = time.perf_counter()


def _answered(response: Response) -> Response:
    arrived: float | None = g.get("aiflow_arrived")
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    seconds = None if arrived is None else time.perf_counter() - arrived
    _metrics().answered(route, request.method, response.status_code, seconds)
    return response


def _metrics() -> ApiMetrics:
    metrics: ApiMetrics = current_app.extensions[EXTENSION]
    return metrics


@bp.get("/metrics")
def metrics() -> Response:
    """Every series in Prometheus's text format (an admin, or a viewer of every namespace)."""
    caller = principal()
    if caller.role is not Role.ADMIN and not (caller.role is Role.VIEWER and caller.namespaces is None):
        raise Forbidden("only an admin token, or a viewer token of every namespace, may read the metrics")
    return Response(_metrics().exposition(), mimetype=None, content_type=CONTENT_TYPE_LATEST)
