"""Running several AIFlow processes as one unit: start in order, watch, stop in reverse.

Each part runs in its own session with its output in ``<log_dir>/<name>.log``,
so a terminal's Ctrl-C reaches only the supervisor, which then stops the
parts newest first: SIGTERM, and SIGKILL to the part's whole process group
after a grace period. If a part exits on its own, the others are stopped too:
a half-running system is worse than a stopped one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiflow.errors import TransientError

logger = logging.getLogger(__name__)

#: How often a starting part's readiness is probed, and the running parts are checked.
CHECK_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Part:
    """One process of the unit: how to start it and how to tell it is serving."""

    name: str
    argv: Sequence[str]
    #: Where the part can be reached, for the start-up summary ("" when it listens nowhere).
    address: str = ""
    #: Given the part's log file, answers True once the part serves; None means "running is ready".
    ready: Callable[[Path], bool] | None = None


def log_says(*texts: str) -> Callable[[Path], bool]:
    """A readiness probe: the part has written one of ``texts`` to its log."""
    def probe(log_file: Path) -> bool:
        try:
            log = log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        return any(text in log for text in texts)

    return probe


class Supervisor:
    """Starts ``parts`` in order, each once the previous is ready, and stops them all together.

    ``env`` is added to every part's environment.
    """

    def __init__(self, parts: Sequence[Part], log_dir: Path, env: Mapping[str, str] | None = None,
                 start_timeout: float = 60.0, stop_timeout: float = 15.0) -> None:
        self._parts = parts
        self._log_dir = log_dir
        self._env = {**os.environ, **(env or {})}
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._running: list[tuple[Part, subprocess.Popen[bytes]]] = []

    def log_file(self, part: Part) -> Path:
        return self._log_dir / f"{part.name}.log"

    def run(self, stop: threading.Event, on_ready: Callable[[], None] = lambda: None) -> int:
        """Run until ``stop`` is set (exit code 0) or a part exits by itself (exit code 1).

        Raises:
            TransientError: a part exited or did not become ready while starting;
                the parts already started are stopped first.
        """
        try:
            for part in self._parts:
                if stop.is_set():
                    return 0
                self._start(part, stop)
            on_ready()
            while not stop.wait(CHECK_INTERVAL_S):
                ended = self._first_ended()
                if ended is not None:
                    logger.error("%s exited unexpectedly (exit code %s); stopping the others; see %s",
                                 ended[0].name, ended[1].returncode, self.log_file(ended[0]))
                    return 1
            return 0
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        """Stop every started part, newest first, and wait until their process groups are gone."""
        while self._running:
            part, process = self._running.pop()
            if process.poll() is None:
                logger.info("Stopping %s (pid %s)", part.name, process.pid)
                process.terminate()
                try:
                    process.wait(self._stop_timeout)
                except subprocess.TimeoutExpired:
                    logger.warning("%s did not stop within %ss; killing it", part.name, self._stop_timeout)
            _kill_group(process.pid)
            process.wait()

    def _start(self, part: Part, stop: threading.Event) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file(part).open("ab") as log:
            process = subprocess.Popen(list(part.argv), stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True,
                                       env=self._env)
        self._running.append((part, process))
        logger.info("Started %s (pid %s)", part.name, process.pid)
        deadline = time.monotonic() + self._start_timeout
        while not stop.is_set():
            if process.poll() is not None:
                raise TransientError(f"{part.name} exited while starting: {last_log_line(self.log_file(part))}")
            if part.ready is None or part.ready(self.log_file(part)):
                return
            if time.monotonic() > deadline:
                raise TransientError(f"{part.name} was not ready within {self._start_timeout:g}s; "
                                     f"see {self.log_file(part)}")
            stop.wait(CHECK_INTERVAL_S)

    def _first_ended(self) -> tuple[Part, subprocess.Popen[bytes]] | None:
        return next(((part, process) for part, process in self._running if process.poll() is not None), None)


def _kill_group(pgid: int) -> None:
    """SIGKILL what is left of a part's process group (helpers it started and left behind)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def last_log_line(log_file: Path) -> str:
    """Return the last line ``log_file`` holds, to say why a process ended."""
    try:
        lines = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "it wrote no log"
    return lines[-1] if lines else "it wrote no log"
