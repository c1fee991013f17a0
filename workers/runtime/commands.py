"""Forking tries, and the tries that become their task's command.

A workflow server (:mod:`workers.runtime.workflow_server`) and its command
launcher (:mod:`workers.runtime.launcher`) both fork tries and keep them in
:class:`Tries`: each try's status socket learns its exit, and a SIGTERM to the
forking process is passed on to every try's process group. A try's process
first runs :func:`set_up_try`; one that becomes a command then runs
:func:`become`, with everything it needs made ready in a :class:`Command`
before the fork, so that as little Python as possible runs in the child.

This module imports only the standard library and the sandbox's calls: the
launcher imports it and stays small.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass

from aiflow.operators.errors import start_error
from aiflow.operators.process import signal_group
from aiflow.sandbox.landlock import Ruleset
from aiflow.sandbox.privileges import set_parent_death_signal
from workers.runtime.children import ChildExits
from workers.runtime.forkserver import FD_COUNT, MAX_REQUEST_BYTES
from workers.runtime.messages import Outcome

_MAX_FD = os.sysconf("SC_OPEN_MAX")


@dataclass(frozen=True)
class Command:
    """The program a try becomes: its task, executable, arguments, whole environment and start message."""

    task_name: str
    path: str
    argv: list[str]
    env: dict[str, str]
    started: str
    """The :class:`~workers.runtime.messages.Started` line that announces it."""
    preamble: str
    """What the try's log starts with (what the workflow file printed), its bytes decoded with surrogateescape."""

    def to_bytes(self) -> bytes:
        """Encode the command as a workflow server sends it to its launcher."""
        return json.dumps(asdict(self)).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Command:
        """Decode a command the launcher received."""
        return cls(**json.loads(data))


def set_up_try(output: int, status: socket.socket, parent: int, scopes: Ruleset | None) -> bool:
    """In a try's new process: lead a session, die with ``parent``, write to ``output``, enter a Landlock domain
    of its own (with ``scopes``: then it cannot signal its siblings or its parent), announce its pid on
    ``status``; False if ``parent`` ended meanwhile."""
    os.setsid()
    set_parent_death_signal(signal.SIGTERM)
    if os.getppid() != parent:
        return False  # the parent ended before the signal was armed
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    if scopes is not None:
        scopes.enforce()
    with status:
        status.sendall(f"pid {os.getpid()}".encode())
    return True


def become(command: Command, messages: int) -> int:
    """In a try's process: announce ``command`` on ``messages`` and execute it; return only if that failed.

    The command starts as ``subprocess`` would start it: stdin from ``/dev/null``, no file descriptor
    but its output, the signals Python ignores back to their defaults.
    """
    os.write(1, command.preamble.encode(errors="surrogateescape"))
    os.write(messages, command.started.encode())
    os.set_inheritable(messages, False)  # its end tells the supervisor that the command runs
    os.closerange(3, messages)
    os.closerange(messages + 1, _MAX_FD)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for signum in (signal.SIGPIPE, signal.SIGXFSZ):
        signal.signal(signum, signal.SIG_DFL)
    try:
        os.execve(command.path, command.argv, command.env)
    except OSError as err:
        os.write(messages, Outcome.failed(start_error(command.task_name, err)).to_line().encode())
    return 0


class TryForker:
    """Forks a try's process per request on ``link`` until the link ends, then waits until it is idle.

    Subclasses fork in :meth:`handle`; :meth:`busy`, :meth:`on_events` and :meth:`on_child_exit` let them
    wait for children and sockets of their own.
    """

    def __init__(self, link: socket.socket) -> None:
        self.link = link
        self.poller = select.poll()
        self.tries = Tries(self.poller)
        self.poller.register(link, select.POLLIN)

    def serve(self) -> int:
        """Fork the tries of the requests that come until the link ends, then wait for them; the exit code."""
        open_link = True
        while open_link or self.busy():
            events = dict(self.poller.poll())
            if open_link and events.pop(self.link.fileno(), 0):
                open_link = self._on_request()
            if events.pop(self.tries.exits.fileno(), 0):
                for pid in self.tries.reap():
                    self.on_child_exit(pid)
            self.on_events(events)
        return 0

    def _on_request(self) -> bool:
        """Fork the try of the request waiting on the link; False once the link has ended."""
        message, fds, _, _ = socket.recv_fds(self.link, MAX_REQUEST_BYTES, FD_COUNT)
        for fd in fds:
            os.set_inheritable(fd, False)  # a process this one spawns (its launcher) must not hold a try's pipes
        if not message:
            self.poller.unregister(self.link)
            self.link.close()
            self.on_link_end()
            return False
        self.handle(message, fds)
        return True

    def handle(self, message: bytes, fds: list[int]) -> None:
        """Fork the try of ``message`` with its output pipe, message pipe and status socket ``fds``."""
        raise NotImplementedError

    def busy(self) -> bool:
        """Whether to keep serving once the link has ended: while tries run."""
        return bool(self.tries)

    def on_link_end(self) -> None:
        """Called once the link has ended."""

    def on_events(self, events: dict[int, int]) -> None:
        """Handle the poll events of file descriptors a subclass registered."""

    def on_child_exit(self, pid: int) -> None:
        """Called when a child that is not a try has exited."""


class Tries:
    """The tries a process forked: each one's status socket is told its exit; a SIGTERM is passed on to them.

    A try that became its command has no Python left to stop what the command
    started when its parent dies: SIGTERM to its whole process group ends that.
    """

    def __init__(self, poller: select.poll) -> None:
        self.exits = ChildExits(poller)
        self._statuses: dict[int, socket.socket] = {}
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def __bool__(self) -> bool:
        return bool(self._statuses)

    def sockets(self) -> list[socket.socket]:
        """The status sockets of the tries still running (a new try's process closes them)."""
        return list(self._statuses.values())

    def fork(self, run: Callable[[], int], status: socket.socket) -> int:
        """Fork a try's process that calls ``run`` and exits with the code it returns; return its pid."""
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])  # the child must not run the handler
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
                code = run()
            except BaseException:
                traceback.print_exc()  # to the try's log once its output is set up, else to the parent's
            finally:
                os._exit(code)
        self._statuses[pid] = status
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
        return pid

    def reap(self) -> list[int]:
        """Tell each try that exited its exit code; return the pids of the other children that exited."""
        others = []
        for pid, code in self.exits.reap():
            status = self._statuses.pop(pid, None)
            if status is None:
                others.append(pid)
                continue
            with status:
                send_quietly(status, f"exit {code}")
        return others

    def _on_sigterm(self, signum: int, frame: object) -> None:
        """Pass the SIGTERM on to every try's process group, then die of it."""
        for pid in self._statuses:
            signal_group(pid, signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


def send_quietly(status: socket.socket, message: str) -> None:
    """Send ``message`` on a try's status socket, unless the worker process no longer waits for it."""
    try:
        status.sendall(message.encode())
    except OSError:
        pass
