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
   socket), and reports each one's exit when it reaps it. A try of a plain
   ``BashOperator`` becomes its command (:mod:`workers.runtime.commands`);
   from the execution's second such try on, the server's command launcher
   (:mod:`workers.runtime.launcher`) forks those, at half the cost.

Each try's process leads a session of its own and enters a Landlock domain of
its own below the server's (ABI 6+), so it cannot signal its siblings or the
server; like the server, it is not dumpable, so none can read another's
memory or environment, where its try's token is. The server holds no secret:
a try's environment reaches only its own process.

The fork server ends a server by closing its link (idle, or to make room):
the server forks the requests still in the link, then exits once its last try
and its launcher have ended. It dies with the fork server (a parent-death signal), and its tries
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
from dataclasses import dataclass
from pathlib import Path

from aiflow.sandbox import landlock
from aiflow.sandbox.confine import EXIT_CANNOT_CONFINE
from aiflow.sandbox.privileges import set_parent_death_signal
from workers.runtime import child
from workers.runtime.commands import Command, TryForker, become, set_up_try
from workers.runtime.forkserver import FD_COUNT, MAX_REQUEST_BYTES, ForkRequest
from workers.runtime.jail import PreparedJail
from workers.runtime.launcher import READY

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
    server.handle(message, fds)
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


LAUNCHER_AFTER = 2
"""The command try that makes a server start its launcher (the first runs before: one try would not repay it)."""


@dataclass
class _Launcher:
    """The server's command launcher (:mod:`workers.runtime.launcher`): its pid, its link, whether it serves."""

    pid: int
    link: socket.socket | None
    ready: bool = False


class _Server(TryForker):
    """Forks a try's process per request on ``link`` until the link ends, then waits for the last try.

    From the :data:`LAUNCHER_AFTER`-th try that becomes a command on, it has its launcher fork those tries
    once the launcher is ready, and forks them itself until then, or if the launcher is gone.
    """

    def __init__(self, link: socket.socket, state: Ready | Failed, workflow_file: Path, *,
                 nested_domains: bool) -> None:
        super().__init__(link)
        self._state = state
        self._workflow_file = workflow_file
        self._nested_domains = nested_domains
        self._scopes = landlock.Ruleset(landlock.SCOPES_ABI, tcp=False, scopes=landlock.SCOPE_SIGNAL, fs=False) \
            if nested_domains else None
        """The ruleset of each try's own Landlock domain, made once."""
        self._commands = 0
        self._launcher: _Launcher | None = None

    def handle(self, message: bytes, fds: list[int]) -> None:
        """Fork the process of the try that ``message`` (a :class:`ForkRequest`) and its pipes ``fds`` describe."""
        request = ForkRequest.from_bytes(message)
        command = None
        if isinstance(self._state, Ready):
            command = child.command_of(self._state.loaded, request.env, self._state.preamble)
        if command is not None:
            self._commands += 1
            if self._launched(command, fds):
                return
        output, messages, status_fd = fds
        status, server = socket.socket(fileno=status_fd), os.getpid()
        if command is not None:
            self.tries.fork(lambda: self._become(command, output, messages, status, server), status)
        else:
            self.tries.fork(lambda: self._run_try(request, output, messages, status, server), status)
        os.close(output)
        os.close(messages)
        if self._commands == LAUNCHER_AFTER and self._launcher is None:
            self._start_launcher()

    def _launched(self, command: Command, fds: list[int]) -> bool:
        """Pass a command's try to the launcher if it serves; False if the server must fork it itself."""
        launcher = self._launcher
        if launcher is None or launcher.link is None or not launcher.ready:
            return False
        try:
            socket.send_fds(launcher.link, [command.to_bytes()], fds)
        except OSError:  # gone, or the command is too large for one message
            return False
        for fd in fds:
            os.close(fd)
        return True

    def _start_launcher(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            theirs.set_inheritable(True)
            try:
                pid = os.posix_spawn(sys.executable, [
                    sys.executable, "-S", "-s", "-m", "workers.runtime.launcher", str(theirs.fileno()),
                    str(os.getpid()), "1" if self._nested_domains else "0"], os.environ)
            except OSError as error:
                print(f"[aiflow] workflow server: no command launcher ({error}); it forks every try",
                      file=sys.stderr)
                ours.close()
                return
        self._launcher = _Launcher(pid, ours)
        self.poller.register(ours, select.POLLIN)

    def _close_launcher_link(self) -> None:
        """Send the launcher no more tries: it ends once its tries have."""
        if self._launcher is not None and self._launcher.link is not None:
            self.poller.unregister(self._launcher.link)
            self._launcher.link.close()
            self._launcher.link = None

    def busy(self) -> bool:
        return bool(self.tries) or self._launcher is not None

    def on_link_end(self) -> None:
        self._close_launcher_link()

    def on_events(self, events: dict[int, int]) -> None:
        launcher = self._launcher
        if launcher is not None and launcher.link is not None and launcher.link.fileno() in events:
            if launcher.link.recv(len(READY)) == READY:
                launcher.ready = True
            else:
                self._close_launcher_link()  # it ended: the server forks every try again

    def on_child_exit(self, pid: int) -> None:
        if self._launcher is not None and self._launcher.pid == pid:
            self._close_launcher_link()
            self._launcher = None

    def _become(self, command: Command, output: int, messages: int, status: socket.socket, server: int) -> int:
        """In the try's process: set it up, then become ``command``; return an exit code only if that failed.

        As little Python as possible runs here: every memory page it touches is copied from the server's.
        """
        return become(command, messages) if set_up_try(output, status, server, self._scopes) else 1

    def _run_try(self, request: ForkRequest, output: int, messages: int, status: socket.socket, server: int) -> int:
        """In the try's process: lead a session, take the try's output and environment, run it; the exit code."""
        self.tries.exits.forget()
        self.link.close()
        for other in self.tries.sockets():
            other.close()
        if self._launcher is not None and self._launcher.link is not None:
            self._launcher.link.close()
        if not set_up_try(output, status, server, self._scopes):
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
