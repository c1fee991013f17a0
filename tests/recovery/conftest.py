"""Schedulers run as real processes (``aiflow scheduler``) that the tests kill with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

AIFLOW = str(Path(sys.executable).parent / "aiflow")


class SchedulerProcess:
    """Starts ``aiflow scheduler`` processes on one database and Redis, and kills them."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self, crash_at: str | None = None) -> None:
        """Start a scheduler process (there must be none running)."""
        assert not self.running, "a scheduler process is already running"
        env = dict(self._env, **({"AIFLOW_SCHEDULER_CRASH_AT": crash_at} if crash_at else {}))
        with self._log.open("ab") as log:
            self.process = subprocess.Popen([AIFLOW, "scheduler"], env=env, stdout=log, stderr=log)

    def log_text(self) -> str:
        return self._log.read_text(errors="replace") if self._log.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None and self.running:
            self.process.send_signal(signal.SIGKILL)
            self.kills += 1
        self.wait()

    def wait(self) -> int | None:
        return self.process.wait(10) if self.process is not None else None

    def stop(self) -> None:
        if self.process is not None and self.running:
            self.process.terminate()
            self.process.wait(10)


LEASE_PERIOD_S = 0.6


@pytest.fixture
def spawn_scheduler(tmp_path: Path, redis_url: str, db: Engine) -> Iterator[Callable[[], SchedulerProcess]]:
    """Make scheduler processes sharing the test's database and Redis; all are stopped afterwards."""
    env = {
        **os.environ,
        "AIFLOW_METADATA_BACKEND_URI": str(db.url),
        "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
        "AIFLOW_SCHEDULER_LEASE_PERIOD": str(LEASE_PERIOD_S),
        "AIFLOW_TASK_EXECUTOR_HEARTBEAT_CHECK_INTERVAL": "3600",
    }
    made: list[SchedulerProcess] = []

    def spawn() -> SchedulerProcess:
        made.append(SchedulerProcess(env, tmp_path / f"scheduler-{len(made)}.log"))
        return made[-1]

    yield spawn
    for process in made:
        process.stop()


@pytest.fixture
def scheduler_process(spawn_scheduler: Callable[[], SchedulerProcess]) -> SchedulerProcess:
    return spawn_scheduler()
