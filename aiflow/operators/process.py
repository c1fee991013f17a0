"""Child processes for operators: own process group, streamed output, stop that ends the group.

Every child leads its own process group (commands also get a new session), so
it and everything it starts can be signalled together. A thread reads its
stdout and stderr line by line and hands each line to a line handler (by
default, logged on the ``aiflow.task`` logger, which the worker routes to the
task's log). When the child exits, whatever it
left running in its group is killed; :meth:`ChildProcess.stop` sends SIGTERM to
the group and SIGKILL after a grace period.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import IO, Any, cast

TASK_OUTPUT_LOGGER = logging.getLogger("aiflow.task")
"""Where the output of task processes goes unless an operator handles it."""

STOP_GRACE_PERIOD = 10.0
"""Seconds between SIGTERM and SIGKILL when a task is stopped."""

_OUTPUT_FLUSH_TIMEOUT = 5.0

LineHandler = Callable[[str], None]


def log_line(line: str) -> None:
    """The default line handler: log ``line`` at INFO on the task output logger."""
    TASK_OUTPUT_LOGGER.info("%s", line)


class ChildProcess:
    """A running child process that leads its own process group."""

    def __init__(
        self, pid: int, output: IO[bytes], reap: Callable[[], int], on_line: LineHandler
    ) -> None:
        self.pid = pid
        self._exit_code: int | None = None
        self._exited = threading.Event()
        self._pump = threading.Thread(
            target=pump_lines, args=(output, on_line), name=f"output-{pid}", daemon=True
        )
        self._reaper = threading.Thread(
            target=self._reap, args=(reap,), name=f"reaper-{pid}", daemon=True
        )
        self._pump.start()
        self._reaper.start()

    def _reap(self, reap: Callable[[], int]) -> None:
        # Wait for the exit without reaping, so the group id cannot be reused
        # while we kill whatever the child left behind.
        os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOWAIT)
        signal_group(self.pid, signal.SIGKILL)
        self._exit_code = reap()
        self._exited.set()

    @property
    def exit_code(self) -> int | None:
        """The exit code (negative for a signal), or ``None`` while running."""
        return self._exit_code

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the exit and the end of its output.

        Returns:
            The exit code, or ``None`` if the process still runs after ``timeout`` seconds.
        """
        if not self._exited.wait(timeout):
            return None
        self._pump.join(_OUTPUT_FLUSH_TIMEOUT)
        return self._exit_code

    def stop(self, grace_period: float = STOP_GRACE_PERIOD) -> None:
        """End the whole process group: SIGTERM, then SIGKILL after ``grace_period`` seconds."""
        if not self._exited.is_set():
            signal_group(self.pid, signal.SIGTERM)
            if not self._exited.wait(grace_period):
                signal_group(self.pid, signal.SIGKILL)
        self.wait()


def run_command(
    argv: Sequence[str],
    on_line: LineHandler = log_line,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> ChildProcess:
    """Start ``argv`` in a new process group.

    ``env`` entries are added to this process's environment for the child.
    """
    popen = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=None if env is None else {**os.environ, **env},
        cwd=cwd,
    )
    return ChildProcess(popen.pid, cast(IO[bytes], popen.stdout), popen.wait, on_line)


def run_callable(target: Callable[[], Any], on_line: LineHandler = log_line) -> ChildProcess:
    """Call ``target`` in a forked child in a new process group.

    The child exits 0 when ``target`` returns, with the code of a ``SystemExit``
    it raises, and 1 (after printing the traceback) for any other exception.
    """
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, measured through its exit code
        os.close(read_fd)
        os._exit(_call_in_child(target, write_fd))
    os.close(write_fd)
    _join_own_group(pid)  # also done in the child: whichever runs first, the group exists now
    return ChildProcess(pid, os.fdopen(read_fd, "rb"), lambda: _wait_exit_code(pid), on_line)


def _call_in_child(target: Callable[[], Any], write_fd: int) -> int:  # pragma: no cover
    _join_own_group(0)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.dup2(write_fd, 1)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)
    code = 0
    try:
        target()
    except SystemExit as exc:
        if isinstance(exc.code, int):
            code = exc.code
        elif exc.code is not None:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    return code


def _join_own_group(pid: int) -> None:
    try:
        os.setpgid(pid, pid or os.getpid())
    except (ProcessLookupError, PermissionError):
        pass  # the child has already exited


def _wait_exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def pump_lines(output: IO[bytes], on_line: LineHandler) -> None:
    """Hand each line of ``output`` (decoded, without its line end) to ``on_line``; close it at its end."""
    with output:
        for raw in output:
            on_line(raw.decode("utf-8", errors="replace").rstrip("\r\n"))


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send ``signum`` to process group ``pgid``; do nothing if the group is already empty."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass  # the group is already empty
