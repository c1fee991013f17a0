"""Running several AIFlow processes as one unit: start in order, keep running, stop in reverse.

Each part runs in its own session with its output appended to
``<log_dir>/<name>.log``, so a terminal's Ctrl-C reaches only the supervisor,
which then stops the parts newest first: SIGTERM, and SIGKILL to the part's
whole process group after a grace period.

The first start is strict: the parts start one after the other, each once the
previous serves, and if one exits or is not ready in time the unit does not
start. Afterwards a part that exits on its own is restarted alone, after a
delay that grows while it keeps failing (:mod:`.backoff`); the other parts go
on. The supervisor never blocks on one part: it checks every part, and the
stop request, every :data:`CHECK_INTERVAL_S`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aiflow.errors import TransientError
from aiflow.launcher.backoff import RestartBackoff
from aiflow.launcher.part_run import NO_LOG, PartRun, describe_exit, last_line

logger = logging.getLogger(__name__)

#: How often the parts' readiness and exits, and the stop request, are checked.
CHECK_INTERVAL_S = 0.1


@dataclass(frozen=True)
class Part:
    """One process of the unit: how to start it and how to tell it is serving."""

    name: str
    argv: Sequence[str]
    #: Where the part can be reached, for the start-up summary ("" when it listens nowhere).
    address: str = ""
    #: Given what the part wrote to its log since it (re)started, answers True once it serves;
    #: None means "running is ready".
    ready: Callable[[str], bool] | None = None


def log_says(*texts: str) -> Callable[[str], bool]:
    """A readiness probe: the part has written one of ``texts`` to its log."""
    return lambda output: any(text in output for text in texts)


def last_log_line(log_file: Path) -> str:
    """Return the last line ``log_file`` holds, to say why a process ended."""
    try:
        return last_line(log_file.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return NO_LOG


class _Watched:
    """A part under supervision: its current run (None while it waits to restart) and its next deadline."""

    def __init__(self, part: Part, backoff: RestartBackoff) -> None:
        self.part = part
        self.backoff = backoff
        self.run: PartRun | None = None
        self.serving = False
        #: Starting: when it must be ready; waiting: when it starts again.
        self.due = 0.0


class Supervisor:
    """Starts ``parts`` in order, restarts one that exits, and stops them all together.

    ``env`` is added to every part's environment. A part waits ``restart_delay``
    seconds before its first restart, twice as long before each further one up
    to ``max_restart_delay``, and ``restart_delay`` again once it has served
    for ``stable_after`` seconds.
    """

    def __init__(self, parts: Sequence[Part], log_dir: Path, env: Mapping[str, str] | None = None,
                 start_timeout: float = 60.0, stop_timeout: float = 15.0, restart_delay: float = 1.0,
                 max_restart_delay: float = 30.0, stable_after: float = 60.0) -> None:
        self._log_dir = log_dir
        self._env = {**os.environ, **(env or {})}
        self._start_timeout = start_timeout
        self._stop_timeout = stop_timeout
        self._watched = [_Watched(part, RestartBackoff(restart_delay, max_restart_delay, stable_after))
                         for part in parts]

    def log_file(self, part: Part) -> Path:
        return self._log_dir / f"{part.name}.log"

    def run(self, stop: threading.Event, on_ready: Callable[[], None] = lambda: None) -> None:
        """Start the parts, call ``on_ready``, and keep them running until ``stop`` is set; then stop them.

        Raises:
            TransientError: a part exited or did not become ready while the unit
                started; the parts already started are stopped first.
        """
        try:
            for watched in self._watched:
                if stop.is_set():
                    return
                self._start_first(watched, stop)
            if stop.is_set():
                return
            on_ready()
            while not stop.wait(CHECK_INTERVAL_S):
                now = time.monotonic()
                for watched in self._watched:
                    self._check(watched, now)
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        """Stop every running part, newest first, and wait until their process groups are gone."""
        for watched in reversed(self._watched):
            run, watched.run = watched.run, None
            if run is None:
                continue
            logger.info("%s: stopping (pid %s)", run.part.name, run.pid)
            if not run.stop(self._stop_timeout):
                logger.warning("%s: did not stop within %ss; killed it", run.part.name, self._stop_timeout)

    def _start_first(self, watched: _Watched, stop: threading.Event) -> None:
        """Start a part and wait until it serves, failing if it or a part started before it exits."""
        deadline = time.monotonic() + self._start_timeout
        self._spawn(watched, "started")
        while not stop.wait(CHECK_INTERVAL_S):
            for started in self._watched:
                if started.run is not None and started.run.exit_code() is not None:
                    raise TransientError(f"{started.part.name} exited while starting: "
                                         f"{last_line(started.run.output())}")
            if self._became_ready(watched, time.monotonic()):
                return
            if time.monotonic() > deadline:
                raise TransientError(f"{watched.part.name} was not ready within {self._start_timeout:g}s; "
                                     f"see {self.log_file(watched.part)}")

    def _check(self, watched: _Watched, now: float) -> None:
        """Move one part along: restart it when due, notice that it serves, exited or hangs."""
        run = watched.run
        if run is None:
            if now >= watched.due:
                self._spawn(watched, "restarted")
                watched.due = now + self._start_timeout
        elif (exit_code := run.exit_code()) is not None:
            run.kill()  # what it started and left behind
            self._wait_to_restart(watched, now, f"exited ({describe_exit(exit_code)})")
        elif not watched.serving and not self._became_ready(watched, now) and now > watched.due:
            run.kill()
            self._wait_to_restart(watched, now, f"was not ready within {self._start_timeout:g}s, so it was killed")

    def _spawn(self, watched: _Watched, verb: str) -> None:
        watched.run = PartRun(watched.part, self.log_file(watched.part), self._env)
        watched.serving = False
        logger.info("%s: %s (pid %s)", watched.part.name, verb, watched.run.pid)

    def _became_ready(self, watched: _Watched, now: float) -> bool:
        assert watched.run is not None
        if not watched.serving and watched.run.ready():
            watched.serving = True
            watched.backoff.serving(now)
            logger.info("%s: ready (pid %s)", watched.part.name, watched.run.pid)
        return watched.serving

    def _wait_to_restart(self, watched: _Watched, now: float, what_happened: str) -> None:
        """Log once why the part ended and when it starts again."""
        run, watched.run = watched.run, None
        assert run is not None
        delay = watched.backoff.exited(now)
        watched.due = now + delay
        logger.warning("%s (pid %s) %s; restarting it in %gs; its last log line: %s", run.part.name, run.pid,
                       what_happened, delay, last_line(run.output()))
