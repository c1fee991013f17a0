"""A try's log: one file on the worker's disk and a capped Redis stream readable from any host.

The file is ``{log_dir}/{namespace}/{workflow}/{execution}/{task}/{seq}-{try}.log``;
the stream is ``TaskKeys.log`` (field ``line``, trimmed to about
:data:`STREAM_MAX_LINES`), and ``TaskKeys.log_done`` is set when the try ends,
so readers (``notification/task_logs.py``) know the log is complete.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

import redis

from aiflow.errors import InvalidInputError
from notification.keys import TaskKeys
from workers.payloads import StartTask

logger = logging.getLogger(__name__)

STREAM_MAX_LINES = 10_000
"""Lines a log stream keeps (approximately; older lines stay in the file)."""


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

    def write(self, line: str) -> None:
        """Append one line of the task's output."""
        with self._lock:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(line + "\n")
            self._file.flush()
            try:
                self._client.xadd(self._stream, {"line": line}, maxlen=STREAM_MAX_LINES, approximate=True)
            except redis.RedisError as exc:
                logger.warning("Task log %s: line not streamed: %s", self._stream, exc)

    def note(self, message: str) -> None:
        """Append a line written by the worker itself, marked with the time and ``[aiflow]``."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        self.write(f"[{stamp}] [aiflow] {message}")

    def close(self) -> None:
        """Close the file and mark the stream complete; both expire after the retention period."""
        with self._lock:
            if self._file is not None:
                self._file.close()
            pipe = self._client.pipeline()
            pipe.set(self._done, "1", ex=self._retention)
            pipe.expire(self._stream, self._retention)
            pipe.execute()
