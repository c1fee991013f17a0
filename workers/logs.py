"""A try's log: one file on the worker's disk and a capped Redis stream readable from any host.

The file is ``{log_dir}/{namespace}/{workflow}/{execution}/{task}/{seq}-{try}.log``;
the stream is ``TaskKeys.log`` (field ``line``, trimmed to about
:data:`STREAM_MAX_LINES`), and ``TaskKeys.log_done`` is set when the try ends,
so readers (``notification/task_logs.py``) know the log is complete.

While Redis is away, lines go to the file only (the stream misses them; the worker
logs that once per outage), so the task's output never waits for Redis. The try
holds its file under a shared ``flock``; :class:`LogFiles` removes files older
than the log retention that no try holds.
"""

from __future__ import annotations

import fcntl
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import redis

from aiflow.backoff import Outage
from aiflow.errors import InvalidInputError
from notification.keys import TaskKeys
from workers.held_paths import remove_unheld_file, still_at
from workers.payloads import StartTask
from workers.reports import until_done
from workers.sweeping import SWEEP_BATCH, ResumableScan

logger = logging.getLogger(__name__)

STREAM_MAX_LINES = 10_000
"""Lines a log stream keeps (approximately; older lines stay in the file)."""

LOG_FILE_NAME = re.compile(r"\d+-\d+\.log")
"""The name of a try's log file, ``<sequence number>-<try number>.log``."""


def log_path(log_dir: Path, job: StartTask) -> Path:
    """Return the file of the try's log.

    Raises:
        InvalidInputError: the names of the job would place the file outside
            ``log_dir`` (names are checked when declared; this is a second guard).
    """
    folder = log_dir / job.namespace / job.workflow_name / str(job.workflow_execution_id) / job.task_name
    path = folder / f"{job.sequence_number}-{job.try_number}.log"
    if not path.resolve().is_relative_to(log_dir.resolve()):
        raise InvalidInputError(f"the log file {path} of task {job.task_name!r} would be outside {log_dir}")
    return path


class TaskLog:
    """Appends lines of one try to its file and its stream; safe to use from several threads.

    The file is created by the first line, so that making the log costs a try's start nothing.
    """

    def __init__(self, client: redis.Redis, keys: TaskKeys, log_dir: Path, job: StartTask,
                 retention: timedelta) -> None:
        self.path = log_path(log_dir, job)
        self._file: TextIO | None = None
        self._client = client
        self._stream = keys.log(job.task_execution_id, job.try_number)
        self._done = keys.log_done(job.task_execution_id, job.try_number)
        self._retention = retention
        self._lock = threading.Lock()
        self._outage = Outage(logger, f"Worker: log stream {self._stream}")
        self._stream_again_at = float("-inf")

    def write(self, line: str) -> None:
        """Append one line of the task's output."""
        with self._lock:
            if self._file is None:
                self._file = _open_held(self.path)
            self._file.write(line + "\n")
            self._file.flush()
            self._send(line)

    def note(self, message: str) -> None:
        """Append a line written by the worker itself, marked with the time and ``[aiflow]``."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.write(f"[{stamp}] [aiflow] {message}")

    def close(self) -> None:
        """Close the file and mark the stream complete (retried until Redis answers); both expire later."""
        with self._lock:
            if self._file is not None:
                self._file.close()
            until_done(self._mark_done, self._outage)

    def _send(self, line: str) -> None:
        """Add the line to the stream, unless Redis was away a moment ago (then wait out the backoff)."""
        if time.monotonic() < self._stream_again_at:
            return
        try:
            self._client.xadd(self._stream, {"line": line}, maxlen=STREAM_MAX_LINES, approximate=True)
        except redis.RedisError as exc:
            self._stream_again_at = time.monotonic() + self._outage.failed(exc)
            return
        self._outage.succeeded()

    def _mark_done(self) -> None:
        pipe = self._client.pipeline()
        pipe.set(self._done, "1", ex=self._retention)
        pipe.expire(self._stream, self._retention)
        pipe.execute()


def _open_held(path: Path) -> TextIO:
    """Open ``path`` for appending under a shared lock, again if a sweep removed it meanwhile."""
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            file = path.open("a", encoding="utf-8")
        except FileNotFoundError:
            continue  # a sweep removed an empty folder between the two calls
        fcntl.flock(file.fileno(), fcntl.LOCK_SH)
        if still_at(file.fileno(), path):
            return file
        file.close()


class LogFiles:
    """The try log files below ``log_dir``; those not written for ``retention`` are removed.

    Only files named as try logs, five levels down, are considered (the folder also holds other
    processes' logs); emptied execution and task folders go with them.
    """

    def __init__(self, log_dir: Path, retention: timedelta, clock: Callable[[], float] = time.time) -> None:
        self._log_dir = log_dir
        self._retention = retention.total_seconds()
        self._clock = clock
        self._scan = ResumableScan(self._task_folders)

    def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Remove old, unheld log files in up to ``limit`` task folders; return how many files went."""
        removed = 0
        cutoff = self._clock() - self._retention
        for folder in self._scan.batch(limit):
            try:
                for path in folder.iterdir():
                    if LOG_FILE_NAME.fullmatch(path.name) and path.stat().st_mtime < cutoff:
                        removed += remove_unheld_file(path)
                _remove_if_empty(folder)
                _remove_if_empty(folder.parent)
            except OSError:
                logger.warning("Worker: cannot remove old logs in %s", folder, exc_info=True)
        return removed

    def _task_folders(self) -> Iterator[Path]:
        """Yield ``{namespace}/{workflow}/{execution}/{task}`` folders below the log folder."""
        return (path for path in self._log_dir.glob("*/*/*/*") if path.is_dir())


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (or already gone)
