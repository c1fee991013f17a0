"""A try's log: one file on the worker's disk and a capped Redis stream readable from any host.

The file is ``{log_dir}/{namespace}/{workflow}/{execution}/{task}/{seq}-{try}.log``;
the stream is ``TaskKeys.log`` (field ``line``, trimmed to about
:data:`STREAM_MAX_LINES`), and ``TaskKeys.log_done`` is set when the try ends,
so readers (``notification/task_logs.py``) know the log is complete.

A line is written to the file at once; :class:`LogStreams`, one per worker process,
adds the lines of every try to their streams from a thread, as many per round trip
as have come, so the task's output never waits for Redis. While Redis is away,
lines go to the file only (the stream misses them; the worker logs that once per
outage), but a log's completion is kept and sent once Redis is back. The try
holds its file under a shared ``flock``; :class:`LogFiles` removes files older
than the log retention that no try holds.
"""

from __future__ import annotations

import fcntl
import logging
import queue
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
from workers.sweeping import SWEEP_BATCH, ResumableScan

logger = logging.getLogger(__name__)

STREAM_MAX_LINES = 10_000
"""Lines a log stream keeps (approximately; older lines stay in the file)."""

STREAM_QUEUE_LINES = 10_000
"""Lines of all tries waiting for Redis at most; a try's next line waits for room."""

PIPELINE_LINES = 1_000
"""Lines sent in one round trip at most."""

LINGER_S = 0.002
"""How long the sender waits after a line for more, so that busy workers send many per round trip."""

CLOSE_WAIT_S = 5.0
"""How long a worker shutting down waits for its queued lines to reach Redis."""

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


class LogStreams:
    """Adds the lines of every try's log to its Redis stream, and marks logs complete, from one thread.

    Whatever has queued up goes in one pipelined round trip. The queue is bounded, so a task that
    writes faster than Redis takes its lines waits for it, as its output would on a slow disk.
    """

    def __init__(self, client: redis.Redis, retention: timedelta) -> None:
        self._client = client
        self._retention = retention
        self._queue: queue.Queue[tuple[str, str, str | None]] = queue.Queue(maxsize=STREAM_QUEUE_LINES)
        self._outage = Outage(logger, "Worker: log streams")
        self._completions: list[tuple[str, str]] = []  # (stream, done key) not stored yet
        self._again_at = float("-inf")  # while Redis is away, when to try it again
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-streams", daemon=True)

    def start(self) -> None:
        """Begin sending, in the thread."""
        self._thread.start()

    def close(self, timeout: float = CLOSE_WAIT_S) -> None:
        """Send what has queued up (waiting at most ``timeout`` seconds), then stop the thread."""
        self._closed.set()
        self._queue.put(("", "", None))  # wakes the thread
        if self._thread.is_alive():
            self._thread.join(timeout)

    def add(self, stream: str, line: str) -> None:
        """Queue ``line`` for ``stream``."""
        self._queue.put((stream, line, None))

    def complete(self, stream: str, done: str) -> None:
        """Queue the mark that ``stream``'s log is complete (after its lines); it is sent until Redis takes it."""
        self._queue.put((stream, "", done))

    def _run(self) -> None:
        while not (self._closed.is_set() and self._queue.empty() and not self._completions):
            lines = self._next_lines()
            if time.monotonic() < self._again_at:
                continue  # Redis was away a moment ago: these lines stay in the file only
            try:
                self._send(lines)
            except redis.RedisError as exc:
                self._again_at = time.monotonic() + self._outage.failed(exc)
                if self._closed.is_set():
                    self._completions.clear()  # shutting down: the logs are left to expire unmarked
                continue
            self._outage.succeeded()
            self._completions.clear()

    def _next_lines(self) -> list[tuple[str, str]]:
        """Take what has queued up (waiting for something, or for the end of a backoff with completions due)."""
        wait = max(0.0, self._again_at - time.monotonic()) if self._completions else None
        try:
            items = [self._queue.get(timeout=wait)]
        except queue.Empty:
            items = []
        if items and not self._closed.is_set():
            self._closed.wait(LINGER_S)  # lines of other tries come meanwhile: one round trip for them all
        while len(items) < PIPELINE_LINES and not self._queue.empty():
            items.append(self._queue.get_nowait())
        self._completions += [(stream, done) for stream, _, done in items if done is not None]
        return [(stream, line) for stream, line, done in items if stream and done is None]

    def _send(self, lines: list[tuple[str, str]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for stream, line in lines:
            pipe.xadd(stream, {"line": line}, maxlen=STREAM_MAX_LINES, approximate=True)
        for stream, done in self._completions:
            pipe.set(done, "1", ex=self._retention)
            pipe.expire(stream, self._retention)
        pipe.execute()


class TaskLog:
    """Appends lines of one try to its file and its stream; safe to use from several threads.

    The file is created by the first line, so that making the log costs a try's start nothing.
    """

    def __init__(self, streams: LogStreams, keys: TaskKeys, log_dir: Path, job: StartTask) -> None:
        self.path = log_path(log_dir, job)
        self._file: TextIO | None = None
        self._streams = streams
        self._stream = keys.log(job.task_execution_id, job.try_number)
        self._done = keys.log_done(job.task_execution_id, job.try_number)
        self._lock = threading.Lock()

    def write(self, line: str) -> None:
        """Append one line of the task's output."""
        with self._lock:
            if self._file is None:
                self._file = _open_held(self.path)
            self._file.write(line + "\n")
            self._file.flush()
            self._streams.add(self._stream, line)

    def note(self, message: str) -> None:
        """Append a line written by the worker itself, marked with the time and ``[aiflow]``."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.write(f"[{stamp}] [aiflow] {message}")

    def close(self) -> None:
        """Close the file and mark the stream complete (sent until Redis takes it); both expire later."""
        with self._lock:
            if self._file is not None:
                self._file.close()
            self._streams.complete(self._stream, self._done)


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
