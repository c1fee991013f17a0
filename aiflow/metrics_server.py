"""The Prometheus endpoint of the scheduler and of a worker: ``/metrics`` served from a daemon thread.

Each process serves its own registry on ``metrics_bind_address:<port>`` (docs/metrics.md). The
endpoint is a convenience, never a reason to stop: a port already in use (another worker on the
host, say) is logged once, as an error, and the process runs on without metrics.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server

logger = logging.getLogger(__name__)


class MetricsEndpoint:
    """Serves ``registry`` over HTTP on ``bind_address:port`` between :meth:`start` and :meth:`stop` (0: never).

    ``owner`` names the process in the log line (``Scheduler``, ``Worker``).
    """

    def __init__(self, registry: CollectorRegistry, bind_address: str, port: int, owner: str) -> None:
        self._registry = registry
        self._bind_address = bind_address
        self._port = port
        self._owner = owner
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Begin serving; return whether it serves (not when the port is 0 or cannot be bound)."""
        if self._port == 0 or self._server is not None:
            return self._server is not None
        try:
            self._server, self._thread = start_http_server(self._port, self._bind_address, self._registry)
        except OSError as exc:
            logger.error("%s: metrics endpoint %s:%s not served, running without it: %s",
                         self._owner, self._bind_address, self._port, exc.strerror or exc)
            return False
        self._thread.name = f"metrics-{self._port}"
        logger.info("%s: metrics at http://%s:%s/metrics", self._owner, self._bind_address, self._port)
        return True

    def stop(self) -> None:
        """Stop serving and wait for the server's thread to end."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> MetricsEndpoint:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()
