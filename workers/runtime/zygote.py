"""The fork server: ``python -m workers.runtime.zygote FD PARENT CONFINEMENT``, one per worker process.

It imports the runtime, the common operators and the ``ai_flow`` import paths of workflow files once
(frozen out of the garbage collector's reach, so children do not copy them), then keeps a *spare*: a
child forked ahead of time that already leads a session of its own and waits
on the socket ``FD`` for a request (see :mod:`workers.runtime.forkserver`).
The spare that takes a request hands its status socket to the server, becomes
the try's process and never returns into the server's code. The server reports
each child's exit when it reaps it, and forks the next spare as soon as one is
taken: the worker's slots start tries concurrently, so a try rarely waits for
a fork. The server stays single-threaded, so a
fork copies no lock held by another thread.

Children receive SIGTERM when the server ends (their operator then stops, as on
a stop request). The server ends when its worker process (``PARENT``) does:
its socket hangs up, and the kernel also sends it SIGTERM.

``CONFINEMENT`` is the worker's :class:`~workers.runtime.confinement.TaskConfinement`
as JSON. The server keeps its Landlock rules, a spare builds its ruleset before
its request comes, and the try's process confines itself before the try's code
runs (:mod:`workers.runtime.jail`). The server and its children are not
dumpable: a process without CAP_SYS_PTRACE can neither trace them nor read
their ``/proc`` files, so a task cannot reach into the spare that will run
another namespace's try.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import signal
import socket
import sys
import traceback

from billiard.util import set_pdeathsig

from aiflow.sandbox import privileges
from aiflow.sandbox.confine import EXIT_CANNOT_CONFINE
from workers.runtime.confinement import TaskConfinement
from workers.runtime.forkserver import FD_COUNT, MAX_REQUEST_BYTES, ForkRequest
from workers.runtime.jail import PreparedJail, TryJail

PRELOADED = ("workers.runtime.child", "ai_flow", "aiflow.operators.bash", "aiflow.operators.python",
             "notification_service")
"""What every try needs (the ``ai_flow`` paths are workflow files' imports): imported once by the server.

Only once it is undumpable: its environment is the worker's, and these imports take a few hundred milliseconds.
"""

TAKEN = b"taken"
"""What a spare tells the server, with its status socket, when it has taken a request."""

_HUNG_UP = select.POLLHUP | select.POLLERR


class Zygote:
    """Keeps a spare child ready and reports the exits of the children that took requests."""

    def __init__(self, control: socket.socket, jail: TryJail) -> None:
        self._control = control
        self._jail = jail
        self._children: dict[int, socket.socket] = {}
        self._spare: tuple[int, socket.socket] | None = None
        self._poller = select.poll()
        self._wake_read, self._wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self._wake_write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the poll through the wakeup fd
        self._poller.register(self._control, 0)
        self._poller.register(self._wake_read, select.POLLIN)

    def serve(self) -> None:
        """Serve until the worker process closes its socket."""
        while True:
            if self._spare is None:
                self._fork_spare()
            events = dict(self._poller.poll())
            control = events.get(self._control.fileno(), 0)
            if control & _HUNG_UP:
                return
            if self._spare is not None and self._spare[1].fileno() in events:
                self._on_spare_news()
            if self._wake_read in events:
                self._reap()

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
                code = _spare(self._control, spare_link, server, self._jail)
            except BaseException:
                traceback.print_exc()  # to the try's log once the spare has taken a request
            finally:
                os._exit(code)
        spare_link.close()
        self._spare = (pid, link)
        self._poller.register(link, select.POLLIN)

    def _on_spare_news(self) -> None:
        """The spare took a request (and sent its status socket), or it died."""
        assert self._spare is not None
        pid, link = self._spare
        message, fds, _, _ = socket.recv_fds(link, len(TAKEN), 1)
        self._poller.unregister(link)
        link.close()
        self._spare = None
        if message == TAKEN and fds:
            self._children[pid] = socket.socket(fileno=fds[0])

    def _forget(self) -> None:
        """In a new child: drop the server's pipes, sockets and signal handling."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.close(self._wake_read)
        os.close(self._wake_write)
        if self._spare is not None:
            self._spare[1].close()
        for status in self._children.values():
            status.close()

    def _reap(self) -> None:
        try:
            while os.read(self._wake_read, 512):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                pid, wait_status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            if self._spare is not None and pid == self._spare[0]:
                self._on_spare_news()  # it took a request (its message is waiting) or died without one
            status = self._children.pop(pid, None)
            if status is not None:
                with status:
                    _send_quietly(status, f"exit {os.waitstatus_to_exitcode(wait_status)}")


def _spare(control: socket.socket, link: socket.socket, server: int, jail: TryJail) -> int:
    """Lead a session of its own, prepare the try's confinement, wait for a request, run the try."""
    from workers.runtime import child  # preloaded by the server

    os.setsid()
    set_pdeathsig(signal.SIGTERM)
    if os.getppid() != server:
        return 1  # the server ended before the signal was armed
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # line-buffered, as the log reads lines
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    child.configure_logging()  # to file descriptor 1, which becomes the try's output pipe
    prepared = jail.prepare()
    message, fds, _, _ = socket.recv_fds(control, MAX_REQUEST_BYTES, FD_COUNT)
    if not message:
        return 0  # the worker process ended
    output, messages, status_fd = fds
    with link:
        socket.send_fds(link, [TAKEN], [status_fd])
    control.close()
    with socket.socket(fileno=status_fd) as status:
        status.sendall(f"pid {os.getpid()}".encode())
    return _run_try(ForkRequest.from_bytes(message), output, messages, prepared, server, jail.user_environment)


def _run_try(request: ForkRequest, output: int, messages: int, prepared: PreparedJail, server: int,
             user_environment: dict[str, str]) -> int:
    """Write to the try's output pipe, move to its folder, confine itself, take its environment, run it.

    Returns the exit code.
    """
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    os.chdir(request.folder)
    try:
        prepared.enter(request.folder)
    except OSError as error:
        print(f"[aiflow] the task process could not confine itself, so the task did not run: {error}", flush=True)
        return EXIT_CANNOT_CONFINE
    set_pdeathsig(signal.SIGTERM)  # a change of user cleared it
    if os.getppid() != server:
        return 1  # the server ended meanwhile
    sys.path[0] = str(request.folder)
    os.environ.update(request.env)
    os.environ.update(user_environment)
    from workers.runtime import child  # preloaded by the server

    try:
        return child.main(request.workflow_file, messages)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _send_quietly(status: socket.socket, message: str) -> None:
    try:
        status.sendall(message.encode())
    except OSError:
        pass  # the worker process no longer waits for this child


def main(argv: list[str]) -> int:
    """Serve the worker process ``argv[2]`` on the socket ``argv[1]``, confining tries as ``argv[3]`` says."""
    control, parent = socket.socket(fileno=int(argv[1])), int(argv[2])
    set_pdeathsig(signal.SIGTERM)
    if os.getppid() != parent:
        return 1  # the worker process died before the signal was armed
    privileges.forbid_tracing()  # first: the exec made this process dumpable again
    for module in PRELOADED:
        importlib.import_module(module)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the worker; it then closes the socket
    Zygote(control, TryJail(TaskConfinement.from_json(argv[3]))).serve()
    return 0


if __name__ == "__main__":  # pragma: no cover - started by ForkServer
    sys.exit(main(sys.argv))
