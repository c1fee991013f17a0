"""Fault injection for tests: a TCP proxy that can cut a client off a real server and let it back.

Put a :class:`TcpProxy` between a client and a server (Redis, PostgreSQL,
MariaDB, anything on TCP) and point the client at ``proxy.port``::

    with TcpProxy(server_port) as proxy:
        client = connect(proxy.url(server_url))  # the server's URL, with the proxy's host and port
        proxy.cut()       # every open connection drops; new ones are accepted and closed at once
        ...               # the client sees a dead server
        proxy.restore()   # new connections reach the server again

The proxy uses threads and the standard library only: one thread accepts, and
two per connection copy bytes, one each way. ``close()`` (or leaving the
``with`` block) closes every socket and joins every thread it started, so
tests stay clear of ResourceWarnings and of the leaked-thread check.

The package also holds the fault-injection suite: :mod:`tests.faults.stack` runs a whole
AIFlow of real processes, and its test modules inject one fault each into it.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import threading
from urllib.parse import urlsplit, urlunsplit

logger = logging.getLogger(__name__)

_CHUNK = 65536
_CONNECT_TIMEOUT_S = 5.0


class _Link:
    """A client's connection and its connection to the server, copied both ways by two threads.

    When either side ends, both connections are shut down; the second pump to
    return closes the sockets.
    """

    def __init__(self, client: socket.socket, server: socket.socket, name: str) -> None:
        self.client = client
        self.server = server
        self.threads = [
            threading.Thread(target=self._pump, args=(client, server), name=f"{name}-up", daemon=True),
            threading.Thread(target=self._pump, args=(server, client), name=f"{name}-down", daemon=True),
        ]
        self._lock = threading.Lock()
        self._pumping = len(self.threads)

    @property
    def is_open(self) -> bool:
        """Whether bytes still flow (neither side has ended)."""
        return all(thread.is_alive() for thread in self.threads)

    @property
    def is_finished(self) -> bool:
        """Whether both pumps have returned (and so the sockets are closed)."""
        return not any(thread.is_alive() for thread in self.threads)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def drop(self) -> None:
        """End both connections; the pumps wake up and return."""
        for sock in (self.client, self.server):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Drop the link and wait until its pumps have returned and closed the sockets."""
        self.drop()
        for thread in self.threads:
            thread.join()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(_CHUNK):
                sink.sendall(data)
        except OSError:
            pass  # the peer or cut() ended the connection
        finally:
            self.drop()
            with self._lock:
                self._pumping -= 1
                last = not self._pumping
            if last:
                self.client.close()
                self.server.close()


class TcpProxy:
    """Forwards TCP connections from a free port on ``listen_host`` to ``target_host:target_port``.

    Use it as a context manager (or call :meth:`start` and :meth:`close`).
    :meth:`cut` simulates a server that went away; :meth:`restore` brings it back.
    """

    def __init__(self, target_port: int, target_host: str = "127.0.0.1", listen_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server((listen_host, 0))
        self.host = listen_host
        self.port: int = self._listener.getsockname()[1]
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._lock = threading.Lock()
        self._links: list[_Link] = []
        self._cut = False
        self._closing = False
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"tcp-proxy-{self.port}-accept", daemon=True)
        self.accepted = 0
        """Connections accepted so far, including those refused while cut."""

    @property
    def is_cut(self) -> bool:
        """Whether the proxy drops connections now."""
        return self._cut

    @property
    def open_connections(self) -> int:
        """How many client connections the proxy forwards right now."""
        with self._lock:
            return sum(link.is_open for link in self._links)

    def url(self, server_url: str) -> str:
        """Return ``server_url`` (``redis://``, ``postgresql+psycopg://``, ...) aimed at the proxy.

        Only the host and port change; user, password, path and query stay.
        """
        parts = urlsplit(server_url)
        userinfo, at, _ = parts.netloc.rpartition("@")
        return urlunsplit(parts._replace(netloc=f"{userinfo}{at}{self.host}:{self.port}"))

    def start(self) -> TcpProxy:
        """Begin accepting connections; return the proxy."""
        self._acceptor.start()
        return self

    def cut(self) -> None:
        """Drop every open connection and refuse new ones (accepted, then closed at once) until :meth:`restore`."""
        with self._lock:
            self._cut = True
            links, self._links = self._links, []
        for link in links:
            link.close()

    def restore(self) -> None:
        """Forward new connections to the server again."""
        with self._lock:
            self._cut = False

    def close(self) -> None:
        """Stop accepting, drop every connection, join every thread and close every socket."""
        with self._lock:
            self._closing = True
        self._wake_writer.send(b"x")
        if self._acceptor.is_alive():
            self._acceptor.join()
        self.cut()
        for sock in (self._listener, self._wake_reader, self._wake_writer):
            sock.close()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self._closing:
                for key, _ in selector.select():
                    if key.fileobj is self._listener and not self._closing:
                        self._accept()

    def _accept(self) -> None:
        client, _ = self._listener.accept()
        self.accepted += 1
        if self._cut:
            client.close()
            return
        try:
            server = socket.create_connection(self.target, timeout=_CONNECT_TIMEOUT_S)
        except OSError as exc:
            logger.info("TcpProxy %s: server %s:%s refused a connection: %s", self.port, *self.target, exc)
            client.close()
            return
        server.settimeout(None)
        with self._lock:
            refused = self._cut or self._closing  # cut() ran while the server connection was being made
            if not refused:
                link = _Link(client, server, f"tcp-proxy-{self.port}-{self.accepted}")
                self._links = [*(old for old in self._links if not old.is_finished), link]
                link.start()
        if refused:
            client.close()
            server.close()
