"""One run of a supervised part: its process, in a session of its own, and what it wrote to its log.

The part's log file is shared by all its runs (each run appends), so a run
remembers where its own output begins: readiness and the reason it ended are
read from there on, never from an earlier run's lines.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aiflow.file_modes import PRIVATE_UMASK

if TYPE_CHECKING:
    from aiflow.launcher.supervisor import Part

NO_LOG = "it wrote no log"


class PartRun:
    """Starts ``part`` with its output appended to ``log_file``; then watches and stops that process."""

    def __init__(self, part: Part, log_file: Path, env: Mapping[str, str]) -> None:
        self.part = part
        self.log_file = log_file
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as log:
            self._log_start = log.tell()
            self._process = subprocess.Popen(list(part.argv), stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                             umask=PRIVATE_UMASK)

    @property
    def pid(self) -> int:
        return self._process.pid

    def exit_code(self) -> int | None:
        """The process's exit code (negative: the signal that ended it), or None while it runs."""
        return self._process.poll()

    def output(self) -> str:
        """What this run has written to the log so far."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self._log_start)
                return log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def ready(self) -> bool:
        """Whether the part serves, by its readiness probe (no probe: running is ready)."""
        return self.part.ready is None or self.part.ready(self.output())

    def kill(self) -> None:
        """SIGKILL the process's whole group and reap it.

        After the process ended this ends the helpers it left behind; before,
        it ends a part that hangs without a grace period.
        """
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._process.wait()

    def stop(self, timeout: float) -> bool:
        """SIGTERM the process, SIGKILL its group after ``timeout`` seconds; return whether it stopped in time."""
        in_time = True
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                in_time = False
        self.kill()
        return in_time


def describe_exit(exit_code: int) -> str:
    """``exit code 3``, or ``killed by SIGKILL`` for a process a signal ended."""
    if exit_code >= 0:
        return f"exit code {exit_code}"
    try:
        return f"killed by {signal.Signals(-exit_code).name}"
    except ValueError:
        return f"killed by signal {-exit_code}"


def last_line(text: str) -> str:
    """The last non-empty line of ``text`` (or a note that there is none)."""
    lines = text.strip().splitlines()
    return lines[-1] if lines else NO_LOG

