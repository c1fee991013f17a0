"""Follow a job that outlives its client by polling a status command until the cluster reports its end.

Flink's application mode and Spark's cluster mode hand the job to a cluster and
let the client return; the task then lasts as long as the job. An operator says
how to ask about its job (a :class:`StatusQuery`), and :func:`follow_job` asks
every ``interval`` seconds until the answer is final.
"""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError, TaskTimeoutError
from aiflow.operators.process import LineHandler, log_line

MAX_FAILED_POLLS = 10
"""Failures of the status command in a row after which the task fails."""

CommandRunner = Callable[[Sequence[str], LineHandler], "int | None"]
"""Runs a short command, handing its output lines to the handler; returns its exit code."""


@dataclass(frozen=True)
class JobEnd:
    """The final state the cluster reported for a job, and whether it counts as success."""

    state: str
    succeeded: bool


@dataclass(frozen=True)
class StatusQuery:
    """How to ask a cluster about a job.

    ``read`` turns the output lines of ``command`` into the job's end, or into
    ``None`` while the job has not ended.
    """

    command: list[str]
    read: Callable[[list[str]], JobEnd | None]
    interval: float


def check_poll_interval(task_name: str, option: str, value: Any) -> float:
    """Return ``value`` as seconds between polls; reject anything but a positive number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidInputError(f"Task {task_name!r}: {option} must be a positive number of seconds, got {value!r}")
    return float(value)


def follow_job(
    task_name: str, query: StatusQuery, run: CommandRunner, stopped: threading.Event, deadline: float | None
) -> None:
    """Run ``query`` until the job ends, and return if it succeeded.

    Raises:
        TaskFailedError: the job ended otherwise, ``stopped`` was set, or the status
            command failed :data:`MAX_FAILED_POLLS` times in a row.
        TaskTimeoutError: the job still ran at ``deadline`` (a ``time.monotonic()`` value).
    """
    failures = 0
    while not stopped.is_set():
        output: list[str] = []
        exit_code = run(query.command, output.append)
        if stopped.is_set():
            break  # the stop may have cancelled the job: report the stop, not the end it caused
        if exit_code == 0:
            failures = 0
            end = query.read(output)
            if end is not None:
                return _finish(task_name, end)
        else:
            failures += 1
            _report_failed_poll(task_name, query.command, output, failures)
        _pause(task_name, query.interval, stopped, deadline)
    raise TaskFailedError(f"Task {task_name!r} was stopped while its job ran")


def _finish(task_name: str, end: JobEnd) -> None:
    log_line(f"The job of task {task_name!r} ended: {end.state}")
    if not end.succeeded:
        raise TaskFailedError(f"Task {task_name!r} failed: its job ended {end.state}")


def _report_failed_poll(task_name: str, command: list[str], output: list[str], failures: int) -> None:
    for line in output:
        log_line(line)
    if failures >= MAX_FAILED_POLLS:
        last_words = output[-1] if output else "no output"
        message = f"Task {task_name!r} failed: `{shlex.join(command)}` failed {failures} times in a row"
        raise TaskFailedError(f"{message} ({last_words})")


def _pause(task_name: str, interval: float, stopped: threading.Event, deadline: float | None) -> None:
    wait = interval
    if deadline is not None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TaskTimeoutError(f"Task {task_name!r} still runs: its job has not ended")
        wait = min(interval, remaining)
    stopped.wait(wait)
