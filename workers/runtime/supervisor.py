"""Seeing one try's child process to its end: stop, time-out, and the final status.

The loop wakes at least every :data:`TICK` seconds while the child lives. A
stop (its :class:`~threading.Event` is set by the try's stop watch or heartbeat) or a
time-out sends SIGTERM to the child's process group (the child calls
``operator.stop``); if the child still lives :data:`STOP_GRACE_PERIOD` seconds
later (the operator's own grace period for a child that became the task's
command), it and all its descendants are killed. How the try ended is then:

* STOPPED after a stop, FAILED with a time-out error after a time-out;
* otherwise what the child reported (SUCCESS, or FAILED with the error);
* for a child that became the command, SUCCESS when it exited 0;
* FAILED with the signal or exit code when the child died without reporting (or when its
  fork server died, so that its exit went unseen).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiflow.model.status import TaskStatus
from aiflow.operators.errors import exit_code_error
from workers.crash_points import STOPPING, crash_point
from workers.runtime.messages import Outcome
from workers.runtime.try_process import TryProcess

TICK = 0.05
"""Longest wait of the loop: how late a stop or a time-out may be noticed, in seconds."""

STOP_GRACE_PERIOD = 15.0
"""Seconds from SIGTERM to SIGKILL; longer than operators' own grace period (10 s) for their work."""


@dataclass(frozen=True)
class _Ending:
    """Why the supervisor is ending the try, and when it kills what is left."""

    outcome: Outcome
    kill_at: float


class Supervisor:
    """Watches one :class:`TryProcess` of task ``task_name`` (try ``try_number``) until it exits."""

    def __init__(
        self,
        process: TryProcess,
        stop: threading.Event,
        task_name: str,
        try_number: int,
        grace_period: float = STOP_GRACE_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._process = process
        self._stop = stop
        self._task_name = task_name
        self._try_number = try_number
        self._grace_period = grace_period
        self._clock = clock
        self._began = clock()

    def run(self) -> Outcome:
        """Supervise until the child has exited; return how the try ended."""
        ending: _Ending | None = None
        killed = False
        while True:
            if ending is None:
                ending = self._decide_ending()
            elif not killed and self._clock() >= ending.kill_at:
                self._process.kill()
                killed = True
            if self._process.exited.wait(TICK):
                break
        exit_code = self._process.finish()
        return ending.outcome if ending else self._reported(exit_code)

    def _decide_ending(self) -> _Ending | None:
        """Begin ending the try when a stop came or its time is up."""
        started = self._process.started
        timeout = started.timeout if started else None
        if self._stop.is_set():
            crash_point(STOPPING, self._try_number)
            outcome = Outcome(TaskStatus.STOPPED)
        elif timeout is not None and self._clock() - self._began >= timeout:
            outcome = Outcome.failed(f"Task {self._task_name!r} timed out after {timeout:g} seconds")
        else:
            return None
        self._process.terminate()
        grace_period = started.grace_period if started and started.grace_period is not None else self._grace_period
        return _Ending(outcome, self._clock() + grace_period)

    def _reported(self, exit_code: int | None) -> Outcome:
        """The child's own report, or the failure its death means."""
        if self._process.outcome is not None:
            return self._process.outcome
        if exit_code is None:
            return Outcome.failed("the task process was lost: its fork server ended before it")
        if self._process.started is not None and self._process.started.command:
            return Outcome(TaskStatus.SUCCESS) if exit_code == 0 else Outcome.failed(
                exit_code_error(self._task_name, exit_code))
        if exit_code < 0:
            return Outcome.failed(f"the task process was killed by {signal.Signals(-exit_code).name}")
        return Outcome.failed(f"the task process ended with exit code {exit_code} without reporting an outcome")
