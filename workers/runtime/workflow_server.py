"""A workflow server: one execution's workflow file, executed once, from which that execution's tries are forked.

Executing the workflow file costs every task of a workflow of N tasks O(N)
(about 12 µs a task): a try that executed it itself would make a fan-out cost
O(N²). So the fork server (:mod:`workers.runtime.zygote`) hands each run
folder's tries to a workflow server of its own, a former spare that:

1. takes the first request of a run folder, and confines itself to the folder,
   as a try would (:mod:`workers.runtime.jail`);
2. executes the workflow file once, its output kept to be written to the top of
   every try's log, its error (if it raised) reported by every try, in at most
   ``workflow_load_timeout`` seconds (then it fails, as if it had raised);
3. forks a try's process for each request the fork server passes on
   (:mod:`workers.runtime.forkserver` describes the request and the status
   socket), and reports each one's exit when it reaps it.

Each try's process leads a session of its own and enters a Landlock domain of
its own below the server's (ABI 6+), so it cannot signal its siblings or the
server; like the server, it is not dumpable, so none can read another's
memory or environment, where its try's token is. The server holds no secret:
a try's environment reaches only its own process.

The fork server ends a server by closing its link (idle, or to make room):
the server forks the requests still in the link, then exits once its last try
has ended. It dies with the fork server (a parent-death signal), and its tries
die with it: it passes that SIGTERM on to each try's process group, and they
have a parent-death signal of their own. It kills what a try left running in
its group once the try has exited.
"""

from __future__ import annotations

import functools
import gc
import os
import select
import signal
import socket
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from aiflow.operators.process import signal_group
from aiflow.sandbox import landlock
from aiflow.sandbox.confine import EXIT_CANNOT_CONFINE
from aiflow.sandbox.privileges import set_parent_death_signal
from workers.runtime import child
from workers.runtime.children import ChildExits
from workers.runtime.forkserver import FD_COUNT, MAX_REQUEST_BYTES, ForkRequest
from workers.runtime.jail import PreparedJail

RETIRE = b"retire"
"""What a server sends the fork server when it must serve no new request (its confinement failed)."""


def serve(link: socket.socket, prepared: PreparedJail, parent: int, user_environment: dict[str, str],
          landlock_abi: int, load_timeout: float) -> int:
    """Serve the run folder of the first request on ``link``: confine this process to it, load its workflow
    file (in at most ``load_timeout`` seconds), fork its tries; return the exit code.

    ``parent`` is the fork server's pid; at ``landlock_abi`` 6 and above, each try gets a Landlock domain of
    its own.
    """
    message, fds, _, _ = socket.recv_fds(link, MAX_REQUEST_BYTES, FD_COUNT)
    if not message:
        return 0  # the fork server ended, or let its spare go
    first = ForkRequest.from_bytes(message)
    os.chdir(first.folder)
    try:
        prepared.enter(first.folder)
    except OSError as error:
        link.sendall(RETIRE)
        server = _Server(link, Failed(error), first.workflow_file, nested_domains=False)
    else:
        set_parent_death_signal(signal.SIGTERM)  # a change of user cleared it
        if os.getppid() != parent:
            return 1  # the fork server ended meanwhile
        sys.path[0] = str(first.folder)
        os.environ.update(user_environment)
        preamble, loaded = _load(first.workflow_file, load_timeout)
        gc.freeze()  # the tries' collections then never touch (and so copy) the loaded workflow
        server = _Server(link, Ready(preamble, loaded), first.workflow_file,
                         nested_domains=landlock_abi >= landlock.SCOPES_ABI)
    server.fork_try(message, fds)
    return server.serve()


@dataclass(frozen=True)
class Ready:
    """A loaded workflow file: what it printed, and what it declared (or the error it raised)."""

    preamble: bytes
    loaded: child.Loaded


@dataclass(frozen=True)
class Failed:
    """The server could not confine itself: no try of its folder may run here."""

    error: OSError


class _Server:
    """Forks a try's process per request on ``link`` until the link ends, then waits for the last try."""

    def __init__(self, link: socket.socket, state: Ready | Failed, workflow_file: Path, *,
                 nested_domains: bool) -> None:
        self._link = link
        self._state = state
        self._workflow_file = workflow_file
        self._scopes = landlock.Ruleset(landlock.SCOPES_ABI, tcp=False, scopes=landlock.SCOPE_SIGNAL, fs=False) \
            if nested_domains else None
        """The ruleset of each try's own Landlock domain, made once."""
        self._tries: dict[int, socket.socket] = {}
        self._poller = select.poll()
        self._exits = ChildExits(self._poller)
        self._poller.register(link, select.POLLIN)
        signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: object) -> None:
        """Pass the SIGTERM on to every try's process group, then die of it.

        A try that became its command (:func:`~workers.runtime.child.become_command`) has no Python
        left to stop what the command started; its group ends with it this way.
        """
        for pid in self._tries:
            signal_group(pid, signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    def serve(self) -> int:
        """Fork the tries of the requests that come until the link ends, then wait for them; the exit code."""
        open_link = True
        while open_link or self._tries:
            events = dict(self._poller.poll())
            if open_link and self._link.fileno() in events:
                open_link = self._on_request()
            if self._exits.fileno() in events:
                for pid, code in self._exits.reap():
                    status = self._tries.pop(pid, None)
                    if status is not None:
                        with status:
                            send_quietly(status, f"exit {code}")
        return 0

    def _on_request(self) -> bool:
        """Fork the try of the request waiting on the link; False once the link has ended."""
        message, fds, _, _ = socket.recv_fds(self._link, MAX_REQUEST_BYTES, FD_COUNT)
        if not message:
            self._poller.unregister(self._link)
            self._link.close()
            return False
        self.fork_try(message, fds)
        return True

    def fork_try(self, message: bytes, fds: list[int]) -> None:
        """Fork the process of the try that ``message`` (a :class:`ForkRequest`) and its pipes ``fds`` describe."""
        output, messages, status_fd = fds
        status = socket.socket(fileno=status_fd)
        server, request = os.getpid(), ForkRequest.from_bytes(message)
        command = child.command_of(self._state.loaded, request.env) if isinstance(self._state, Ready) else None
        signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])  # the child must not run the server's handler
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
                if command is not None:
                    code = self._become(command, output, messages, status, server)
                else:
                    code = self._run_try(request, output, messages, status, server)
            except BaseException:
                traceback.print_exc()  # to the try's log once its output is set up, else to the worker's
            finally:
                os._exit(code)
        self._tries[pid] = status
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
        os.close(output)
        os.close(messages)

    def _set_up(self, output: int, status: socket.socket, server: int) -> bool:
        """In the try's process: lead a session, die with the server, write to ``output``, enter a Landlock
        domain of its own, announce itself on ``status``; False if the server ended meanwhile."""
        os.setsid()
        set_parent_death_signal(signal.SIGTERM)
        if os.getppid() != server:
            return False  # the server ended before the signal was armed
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        if self._scopes is not None:
            self._scopes.enforce()  # its siblings and the server are outside: it cannot signal them
        with status:
            status.sendall(f"pid {os.getpid()}".encode())
        return True

    def _become(self, command: child.Command, output: int, messages: int, status: socket.socket, server: int) -> int:
        """In the try's process: set it up as :meth:`_set_up` does, then become ``command``; an exit code if it failed.

        As little Python as possible runs here: every memory page it touched would be copied from the server's.
        """
        if not self._set_up(output, status, server):
            return 1
        assert isinstance(self._state, Ready)
        os.write(1, self._state.preamble)
        return child.become(command, messages)

    def _run_try(self, request: ForkRequest, output: int, messages: int, status: socket.socket, server: int) -> int:
        """In the try's process: lead a session, take the try's output and environment, run it; the exit code."""
        self._exits.forget()
        self._link.close()
        for other in self._tries.values():
            other.close()
        if not self._set_up(output, status, server):
            return 1
        if self._scopes is not None:
            self._scopes.close()
        if isinstance(self._state, Failed):
            print(f"[aiflow] the task process could not confine itself, so the task did not run: "
                  f"{self._state.error}", flush=True)
            return EXIT_CANNOT_CONFINE
        os.environ.update(request.env)
        os.write(1, self._state.preamble)
        try:
            return child.main(self._state.loaded, self._workflow_file, messages)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()


def _load(workflow_file: Path, timeout: float) -> tuple[bytes, child.Loaded]:
    """Execute the workflow file, within ``timeout`` seconds; return what it printed and what it declared."""
    capture = os.memfd_create("workflow-output", os.MFD_CLOEXEC)
    saved = os.dup(1), os.dup(2)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    previous = signal.signal(signal.SIGALRM, functools.partial(_took_too_long, timeout))
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        loaded = child.load(workflow_file)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout.flush()
        sys.stderr.flush()
        for fd, target in zip(saved, (1, 2), strict=True):
            os.dup2(fd, target)
            os.close(fd)
    with os.fdopen(capture, "rb") as output:
        output.seek(0)
        return output.read(), loaded


def _took_too_long(timeout: float, signum: int, frame: object) -> None:
    raise TimeoutError(f"the workflow file took longer than {timeout:g} s to load (workflow_load_timeout)")


def send_quietly(status: socket.socket, message: str) -> None:
    """Send ``message`` on a try's status socket, unless the worker process no longer waits for it."""
    try:
        status.sendall(message.encode())
    except OSError:
        pass
