"""Learning of child exits in a single-threaded server: SIGCHLD wakes its poll, then every exit is reaped."""

from __future__ import annotations

import os
import select
import signal
from collections.abc import Iterator

from aiflow.operators.process import signal_group


class ChildExits:
    """A pipe that SIGCHLD makes readable, to register in the server's poll; :meth:`reap` collects the exits."""

    def __init__(self, poller: select.poll) -> None:
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        signal.set_wakeup_fd(self._write)
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)  # wakes the poll through the wakeup fd
        poller.register(self._read, select.POLLIN)

    def fileno(self) -> int:
        """The pipe's read end, readable once a child has exited."""
        return self._read

    def reap(self) -> Iterator[tuple[int, int]]:
        """Yield ``(pid, exit code)`` (negative: the signal that killed it) of every child that has exited.

        Each child leads a process group: what it left running there is killed before it is reaped
        (so that the group's id cannot have been reused meanwhile).
        """
        try:
            while os.read(self._read, 512):
                pass
        except BlockingIOError:
            pass
        while True:
            try:
                exited = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                return
            if exited is None:
                return
            signal_group(exited.si_pid, signal.SIGKILL)
            _, wait_status = os.waitpid(exited.si_pid, 0)
            yield exited.si_pid, os.waitstatus_to_exitcode(wait_status)

    def forget(self) -> None:
        """In a new child: back to default signal handling, without the server's pipe."""
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(self._read)
        os.close(self._write)
