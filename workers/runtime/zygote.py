"""The fork server: ``python -m workers.runtime.zygote FD PARENT CONFINEMENT LOAD_TIMEOUT``, one per worker process.

It imports the runtime, the common operators and the ``ai_flow`` import paths of workflow files once
(frozen out of the garbage collector's reach, so children do not copy them), then keeps a *spare*: a
child forked ahead of time that already leads a session of its own and has begun a try's confinement.
It reads the requests the worker process sends on the socket ``FD`` (see
:mod:`workers.runtime.forkserver`) and passes each one on to the workflow
server of the request's run folder (:mod:`workers.runtime.workflow_server`),
which executes the execution's workflow file once and forks its tries. The
spare becomes the server of the first request of a folder; the next spare is
forked once the server has been idle for :data:`SPARE_DELAY` (a spare forked
while a try starts would take CPU from it on a small host), or at once when
another folder's request finds none. A workflow server idle for
:data:`SERVER_IDLE` is ended, as is the least recently used one of
:data:`MAX_SERVERS`. The server stays single-threaded, so a fork copies no
lock held by another thread.

Workflow servers and their tries receive SIGTERM when the server ends (an
operator then stops, as on a stop request). The server ends when its worker
process (``PARENT``) does: its socket hangs up, and the kernel also sends it
SIGTERM.

``CONFINEMENT`` is the worker's :class:`~workers.runtime.confinement.TaskConfinement`
as JSON. The server keeps its Landlock rules, a spare builds its ruleset before
its folder is known, and the workflow server confines itself before the
workflow file runs (:mod:`workers.runtime.jail`). The server and its children
are not dumpable: a process without CAP_SYS_PTRACE can neither trace them nor
read their ``/proc`` files, so a task cannot reach into the spare that will
serve another namespace's execution.
"""

from __future__ import annotations

import gc
import importlib
import math
import os
import select
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from aiflow.sandbox import privileges
from workers.runtime.children import ChildExits
from workers.runtime.confinement import TaskConfinement
from workers.runtime.forkserver import FD_COUNT, MAX_REQUEST_BYTES, ForkRequest
from workers.runtime.jail import TryJail

PRELOADED = ("workers.runtime.workflow_server", "ai_flow", "aiflow.operators.bash", "aiflow.operators.python",
             "notification_service")
"""What every try needs (the ``ai_flow`` paths are workflow files' imports): imported once by the server.

Only once it is undumpable: its environment is the worker's, and these imports take a few hundred milliseconds.
"""

_HUNG_UP = select.POLLHUP | select.POLLERR

SPARE_DELAY = 0.05
"""Seconds the server waits, idle, before it forks the spare that replaces one taken (a try may be starting)."""

SERVER_IDLE = 30.0
"""Seconds after its last try's request that a workflow server is ended."""

MAX_SERVERS = 8
"""Workflow servers kept at most; starting one more ends the one used least recently."""


_Folder = tuple[Path, Path]
"""A run folder and the workflow file in it: what a workflow server serves."""


@dataclass
class _Served:
    """A workflow server: its pid, the link that passes it requests, and when it was last used."""

    pid: int
    link: socket.socket
    folder: _Folder
    last_used: float


class Zygote:
    """Passes each request to its run folder's workflow server, starting one from a spare when there is none."""

    def __init__(self, control: socket.socket, jail: TryJail, load_timeout: float) -> None:
        self._control = control
        self._jail = jail
        self._load_timeout = load_timeout
        self._spare: tuple[int, socket.socket] | None = None
        self._servers: dict[_Folder, _Served] = {}
        """By the order of their last use, least recent first."""
        self._links: dict[int, _Served] = {}
        self._in_hand: list[int] = []
        """The file descriptors of the request being passed on, which a spare forked meanwhile must close."""
        self._poller = select.poll()
        self._exits = ChildExits(self._poller)
        self._poller.register(self._control, select.POLLIN)

    def serve(self) -> None:
        """Serve until the worker process closes its socket."""
        while True:
            events = dict(self._poller.poll(self._poll_timeout()))
            if not events and self._spare is None:
                self._fork_spare()
            control = events.pop(self._control.fileno(), 0)
            if control & _HUNG_UP:
                return
            if control & select.POLLIN and not self._on_request():
                return
            if events.pop(self._exits.fileno(), 0):
                self._reap()
            for fd in events:
                served = self._links.get(fd)
                if served is not None:
                    self._drop(served)  # it retires, or it ended
            self._end_idle_servers()

    def _poll_timeout(self) -> int | None:
        """Milliseconds until the next chore (a spare to fork, an idle server to end); None: none is due."""
        due = [SPARE_DELAY] if self._spare is None else []
        if self._servers:
            oldest = next(iter(self._servers.values()))
            due.append(max(0.0, oldest.last_used + SERVER_IDLE - time.monotonic()))
        return math.ceil(1000 * min(due)) if due else None

    def _on_request(self) -> bool:
        """Pass the waiting request on to its workflow server; False once the worker process has ended."""
        message, fds, _, _ = socket.recv_fds(self._control, MAX_REQUEST_BYTES, FD_COUNT)
        if not message:
            return False
        self._in_hand = fds
        try:
            request = ForkRequest.from_bytes(message)
            self._forward((request.folder, request.workflow_file), message, fds)
        finally:
            self._in_hand = []
            for fd in fds:
                os.close(fd)  # the server has its own copies: the try's pipes end with the try
        return True

    def _forward(self, folder: _Folder, message: bytes, fds: list[int]) -> None:
        served = self._servers.pop(folder, None)
        for _ in range(2):  # a server that ended meanwhile is replaced once
            if served is None:
                served = self._start_server(folder)
            try:
                socket.send_fds(served.link, [message], fds)
            except OSError:
                self._drop(served)
                served = None
                continue
            served.last_used = time.monotonic()
            self._servers[folder] = served
            return
        print(f"[aiflow] fork server: no workflow server took a try of {folder[1]}", file=sys.stderr)

    def _start_server(self, folder: _Folder) -> _Served:
        """Make the spare the server of ``folder``'s tries (forking one first if there is none)."""
        if self._spare is None:
            self._fork_spare()
        assert self._spare is not None
        (pid, link), self._spare = self._spare, None
        if len(self._servers) >= MAX_SERVERS:
            self._drop(next(iter(self._servers.values())))
        served = _Served(pid, link, folder, time.monotonic())
        self._links[link.fileno()] = served
        self._poller.register(link, select.POLLIN)  # it retires, or it ends
        return served

    def _fork_spare(self) -> None:
        self._jail.refresh()
        link, spare_link = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server = os.getpid()
        gc.freeze()  # the spare's collections then never touch (and so copy) the server's objects
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                link.close()
                self._forget()
                code = _spare(spare_link, server, self._jail, self._load_timeout)
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        spare_link.close()
        self._spare = (pid, link)

    def _forget(self) -> None:
        """In a new child: drop the server's sockets and signal handling."""
        self._exits.forget()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self._control.close()
        for served in self._links.values():
            served.link.close()
        for fd in self._in_hand:
            os.close(fd)

    def _drop(self, served: _Served) -> None:
        """Pass no more requests to ``served``: it ends once its tries have (:mod:`workers.runtime.workflow_server`)."""
        if self._links.pop(served.link.fileno(), None) is None:
            return
        self._poller.unregister(served.link)
        served.link.close()
        if self._servers.get(served.folder) is served:
            del self._servers[served.folder]

    def _end_idle_servers(self) -> None:
        now = time.monotonic()
        for served in [served for served in self._servers.values() if served.last_used + SERVER_IDLE <= now]:
            self._drop(served)

    def _reap(self) -> None:
        for pid, _ in self._exits.reap():
            if self._spare is not None and pid == self._spare[0]:
                self._spare[1].close()
                self._spare = None
            for served in [served for served in self._links.values() if served.pid == pid]:
                self._drop(served)


def _spare(link: socket.socket, server: int, jail: TryJail, load_timeout: float) -> int:
    """Lead a session of its own, begin the confinement of a try, become the workflow server of the next folder."""
    from workers.runtime import child, workflow_server  # preloaded by the server

    os.setsid()
    privileges.set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != server:
        return 1  # the server ended before the signal was armed
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # line-buffered, as the log reads lines
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    child.configure_logging()  # to file descriptor 1, which becomes each try's output pipe
    prepared = jail.prepare()
    return workflow_server.serve(link, prepared, server, jail.user_environment, jail.abi, load_timeout)


def main(argv: list[str]) -> int:
    """Serve the worker process ``argv[2]`` on the socket ``argv[1]``, confining tries as ``argv[3]`` says.

    ``argv[4]`` is the seconds a workflow file may take to load.
    """
    control, parent = socket.socket(fileno=int(argv[1])), int(argv[2])
    privileges.set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:
        return 1  # the worker process died before the signal was armed
    privileges.forbid_tracing()  # first: the exec made this process dumpable again
    for module in PRELOADED:
        importlib.import_module(module)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the worker; it then closes the socket
    Zygote(control, TryJail(TaskConfinement.from_json(argv[3])), float(argv[4])).serve()
    return 0


if __name__ == "__main__":  # pragma: no cover - started by ForkServer
    sys.exit(main(sys.argv))
