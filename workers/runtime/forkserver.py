"""The worker's side of its fork server: start it, ask it for a try's child, learn how the child ended.

A fresh interpreter for every try costs a few hundred milliseconds of imports.
So each worker process starts one fork server (:mod:`workers.runtime.zygote`),
a single-threaded process that has made the imports and keeps a forked child
waiting for the next request; that child runs the try
(:mod:`workers.runtime.child`). The worker process itself never forks: it runs
threads, and a fork copies whatever locks they hold.

Each message travels on a Unix ``SOCK_SEQPACKET`` socket:

* request, worker -> server: ``{"workflow_file", "folder", "env"}`` as JSON,
  with three file descriptors: the child's output pipe, its message pipe
  (:mod:`workers.runtime.messages`) and a status socket of its own;
* on the status socket, ``pid <n>`` from the child (which already leads its
  own session), then ``exit <code>`` from the server once it has reaped it
  (negative: the signal that killed it). The end of the socket without
  ``exit`` means the server ended first: the exit was not seen.

The server ends when the worker process does (its socket closes), and its
children receive SIGTERM when it ends. It starts with the task processes'
environment (:func:`workers.runtime.confinement.task_base_environment`: none
of the worker's secrets) and the worker's :class:`TaskConfinement`, which
each child applies before the try's code runs (:mod:`workers.runtime.jail`).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import workers

if TYPE_CHECKING:
    from workers.runtime.confinement import TaskConfinement

FD_COUNT = 3
"""File descriptors sent with each request: output pipe, message pipe, status socket."""

MAX_REQUEST_BYTES = 1 << 20
"""Largest request the server reads (the environment added for a try is a few hundred bytes)."""

FORK_TIMEOUT = 60.0
"""Longest wait for a child to announce itself (the first fork waits for the server's imports)."""


@dataclass(frozen=True)
class ForkRequest:
    """What the child of one try needs besides its pipes: the workflow, its folder, its environment."""

    workflow_file: Path
    folder: Path
    env: Mapping[str, str]

    def to_bytes(self) -> bytes:
        """Encode the request as sent to the server."""
        return json.dumps({"workflow_file": str(self.workflow_file), "folder": str(self.folder),
                           "env": dict(self.env)}).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> ForkRequest:
        """Decode a request the server received."""
        fields = json.loads(data)
        return cls(Path(fields["workflow_file"]), Path(fields["folder"]), fields["env"])


class ForkedChild:
    """A child forked by the server for this process: its pid and its status socket."""

    def __init__(self, pid: int, status: socket.socket) -> None:
        self.pid = pid
        self._status = status

    def wait(self) -> int | None:
        """Block until the server reports the exit; return the code, or None when the server ended first."""
        with self._status:
            self._status.settimeout(None)
            message = read_status(self._status)
        return message[1] if message and message[0] == "exit" else None


def task_python_path(environ: Mapping[str, str]) -> list[str]:
    """The ``PYTHONPATH`` of task processes: the folder holding AIFlow's packages, then ``environ``'s."""
    package_root = str(Path(workers.__file__).resolve().parents[1])
    return [package_root, *filter(None, environ.get("PYTHONPATH", "").split(os.pathsep))]


class ForkServer:
    """The fork server of this worker process, started on first use and again if it died.

    Its children start from ``environment`` and are confined as ``confinement`` says; a workflow file
    may take ``load_timeout`` seconds to load (its tries fail if it takes longer).
    """

    def __init__(self, environment: Mapping[str, str], confinement: TaskConfinement, load_timeout: float) -> None:
        self._environment = dict(environment)
        self._confinement = confinement
        self._load_timeout = load_timeout
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._socket: socket.socket | None = None

    def start(self) -> None:
        """Start the server unless it runs; return without waiting for its imports."""
        with self._lock:
            self._ensure_running()

    def fork(self, request: ForkRequest, output: int, messages: int) -> ForkedChild:
        """Have the server fork the child of ``request`` writing to the pipes ``output`` and ``messages``.

        Raises:
            OSError: the server is unreachable, or the child ended before it announced itself.
        """
        status, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            with theirs, self._lock:  # closed before reading, so a lost server means the end of the socket
                self._send(request.to_bytes(), [output, messages, theirs.fileno()])
            status.settimeout(FORK_TIMEOUT)
            message = read_status(status)
        except BaseException:
            status.close()
            raise
        if message is None or message[0] != "pid":
            status.close()
            raise OSError(f"the task process ended before it started ({message or 'fork server gone'})")
        return ForkedChild(message[1], status)

    def close(self) -> None:
        """Stop the server (it ends when its socket closes); its children receive SIGTERM."""
        with self._lock:
            self._close()

    def _send(self, data: bytes, fds: list[int]) -> None:
        """Send a request, starting the server again once if it has died."""
        try:
            socket.send_fds(self._ensure_running(), [data], fds)
        except (BrokenPipeError, ConnectionResetError):
            self._close()
            socket.send_fds(self._ensure_running(), [data], fds)

    def _ensure_running(self) -> socket.socket:
        if self._socket is not None and self._process is not None and self._process.poll() is None:
            return self._socket
        self._close()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        python_path = os.pathsep.join(task_python_path(self._environment))
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "workers.runtime.zygote", str(theirs.fileno()), str(os.getpid()),
                 self._confinement.to_json(), str(self._load_timeout)],
                stdin=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), cwd="/",
                env={**self._environment, "PYTHONPATH": python_path, "PYTHONUNBUFFERED": "1"},
            )
        self._socket = ours
        return ours

    def _close(self) -> None:
        if self._socket is not None:
            self._socket.close()  # the server, if it lives, sees the end and exits
        if self._process is not None:
            self._process.wait()
        self._socket = self._process = None


def read_status(status: socket.socket) -> tuple[str, int] | None:
    """Read one status message (``pid <n>`` or ``exit <code>``); None at the end of the socket."""
    data = status.recv(64)
    if not data:
        return None
    kind, value = data.decode().split()
    return kind, int(value)
