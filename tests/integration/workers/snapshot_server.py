"""A stand-in for the two API routes workers use: a snapshot and its package (docs/contracts.md §4)."""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support import free_port

TOKEN = "worker-secret"
_ROUTE = re.compile(r"^/api/v1/snapshots/(\d+)(/package)?$")


@dataclass(frozen=True)
class Snapshot:
    """What the server holds of one snapshot; ``content_hash`` is sent as given (a test may lie).

    ``uri`` is where the snapshot's record says its package is stored (empty: it says nothing).
    """

    package: bytes
    entry: str
    content_hash: str
    uri: str = ""


class SnapshotServer:
    """Serves registered snapshots over HTTP on 127.0.0.1, to requests that carry :data:`TOKEN`."""

    def __init__(self) -> None:
        self.snapshots: dict[int, Snapshot] = {}
        self.requests: list[str] = []
        self.packages_flow = threading.Event()
        """Cleared, package downloads wait until it is set again."""
        self.packages_flow.set()
        self._http = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, name="snapshot-server", daemon=True)

    @property
    def address(self) -> str:
        """The base URL to configure as ``api_server_address``."""
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def add(self, snapshot_id: int, package: bytes, entry: str, content_hash: str | None = None,
            uri: str = "") -> None:
        """Serve a snapshot whose workflow file is ``entry``; ``content_hash`` defaults to the package's SHA-256."""
        digest = content_hash or hashlib.sha256(package).hexdigest()
        self.snapshots[snapshot_id] = Snapshot(package, entry, digest, uri)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.packages_flow.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                server.requests.append(self.path)
                match = _ROUTE.match(self.path)
                snapshot = server.snapshots.get(int(match.group(1))) if match else None
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self._send(401, b'{"error": "unauthorized"}', "application/json")
                elif match is None or snapshot is None:
                    self._send(404, b'{"error": "not found"}', "application/json")
                elif match.group(2):
                    server.packages_flow.wait()
                    self._send(200, snapshot.package, "application/zip", snapshot.content_hash)
                else:
                    record = {"id": int(match.group(1)), "entry": snapshot.entry, "uri": snapshot.uri,
                              "content_hash": snapshot.content_hash}
                    self._send(200, json.dumps(record).encode(), "application/json")

            def _send(self, code: int, body: bytes, content_type: str, content_hash: str | None = None) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if content_hash:
                    self.send_header("X-AIFlow-Content-Hash", content_hash)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output quiet

        return Handler
