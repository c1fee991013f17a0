"""The REST API as a task reaches it: with its try's token, to its own namespace's events only.

:class:`TryApi` sends events (the API server stamps their sender and context, docs/contracts.md §5)
and reads them a page at a time, waiting on the server for the next one (``wait``). A wait goes
through a :class:`LongPoll`, which another thread can cut short, so a listener stops at once.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from aiflow.ops.errors import AIFlowException
from aiflow.ops.http import PAGE_SIZE, Server, call_server, error_of, resource
from notification.event import Event

if TYPE_CHECKING:
    from aiflow.notification.task_runtime import TaskRuntime

SEND_TIMEOUT = (10.0, 30.0)
"""Seconds to connect to the API server and to wait for it to store an event."""
ANSWER_MARGIN_S = 30.0
"""Seconds a waiting read gives the server beyond its wait before giving up on it."""


class Aborted(AIFlowException):
    """A :class:`LongPoll` was aborted: its request ended unanswered."""


class TryApi:
    """The events of the try's namespace, through the API server, with the try's token."""

    def __init__(self, runtime: TaskRuntime) -> None:
        self.server = Server.at(runtime.api_address, runtime.try_token)
        self.events_path = resource("namespaces", runtime.namespace, "events")

    def send_event(self, key: str, value: str | None) -> Event:
        """Send an event; return it as stored (the server sets its namespace, sender and context).

        Raises:
            AIFlowException: the server refused it (a reserved key, the try ended) or was not reached.
        """
        stored = call_server(self.server, "POST", self.events_path, json={"key": key, "value": value},
                             timeout=SEND_TIMEOUT)
        return Event(**stored)

    def events(self, poll: LongPoll, after: int | None, begin_time: datetime | None, key: str | None,
               wait: float) -> list[Event]:
        """Return the next page of events after offset ``after`` (or from ``begin_time`` when it is None).

        The server waits up to ``wait`` seconds for one to come when there is none yet; ``key``
        restricts them to one key.

        Raises:
            AIFlowException: the server refused or was not reached; :class:`Aborted` after ``poll.abort()``.
        """
        params: dict[str, Any] = {"limit": PAGE_SIZE, "wait": wait}
        if after is not None:
            params["begin_offset"] = after
        elif begin_time is not None:
            params["begin_time"] = begin_time.astimezone().isoformat()  # a naive time is local, as before
        if key is not None:
            params["key"] = key
        page = poll.get(self.events_path, params, wait + ANSWER_MARGIN_S)
        return [Event(**item) for item in page["items"]]


class LongPoll:
    """GET requests that another thread may cut short: each runs on a connection of its own, which :meth:`abort` shuts.

    ``requests`` offers no way to interrupt a request that waits for its answer; ``http.client``
    exposes the socket.
    """

    def __init__(self, server: Server) -> None:
        url = urlsplit(server.base_url)
        self._server = server
        self._connection_class = HTTPSConnection if url.scheme == "https" else HTTPConnection
        self._host, self._port, self._prefix = url.hostname or "", url.port, url.path
        self._lock = threading.Lock()
        self._connection: HTTPConnection | None = None
        self._aborted = False

    def get(self, path: str, params: dict[str, Any], timeout: float) -> Any:
        """Send ``GET path?params`` below the API prefix; return the decoded JSON answer.

        Raises:
            AIFlowException: the server answered with an error or was not reached; :class:`Aborted`.
        """
        connection = self._connection_class(self._host, self._port, timeout=timeout)
        try:
            self._open(connection)
            connection.request("GET", f"{self._prefix}{path}?{urlencode(params)}", headers=self._server.headers())
            response = connection.getresponse()
            body = response.read()
        except (OSError, HTTPException) as exc:
            if self._aborted:
                raise Aborted("the request was aborted") from None
            raise AIFlowException(f"cannot reach the AIFlow server at {self._server.base_url}: {exc}") from exc
        finally:
            with self._lock:
                self._connection = None
            connection.close()
        if response.status >= 400:
            raise error_of(response.status, body, response.reason)
        return json.loads(body)

    def abort(self) -> None:
        """End the request under way, if any, and refuse later ones."""
        with self._lock:
            self._aborted = True
            connection = self._connection
        if connection is not None and connection.sock is not None:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # it closed meanwhile

    def _open(self, connection: HTTPConnection) -> None:
        connection.connect()
        with self._lock:
            if self._aborted:
                raise Aborted("the request was aborted")
            self._connection = connection
