"""``-d``: running a foreground command detached, and stopping it by its pid file."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aiflow.errors import TransientError
from aiflow.launcher.host import PidFile, wait_for_exit
from aiflow.launcher.supervisor import CHECK_INTERVAL_S, last_log_line


def start_in_background(argv: Sequence[str], log_file: Path, ready: Callable[[], bool], timeout: float) -> int:
    """Run ``argv`` in a new session with its output in ``log_file``; return its pid once ``ready()``.

    Raises:
        TransientError: the process exited, or was not ready within ``timeout``
            seconds (it is then stopped).
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise TransientError(f"it exited while starting: {last_log_line(log_file)}")
        if time.monotonic() > deadline:
            process.terminate()
            process.wait()
            raise TransientError(f"it was not ready within {timeout:g}s; see {log_file}")
        time.sleep(CHECK_INTERVAL_S)
    return process.pid


def stop_by_pid_file(pid_file: PidFile, timeout: float) -> int | None:
    """SIGTERM the process ``pid_file`` names and wait until it is gone; return its pid (None: not running).

    Raises:
        TransientError: it was still running after ``timeout`` seconds.
    """
    pid = pid_file.running_pid()
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    if not wait_for_exit(pid, timeout):
        raise TransientError(f"pid {pid} is still running {timeout:g}s after SIGTERM")
    pid_file.remove(pid)
    return pid
