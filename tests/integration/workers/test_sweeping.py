"""Old worker log files and snapshot caches are removed, never while a try uses them, a bounded batch at a time."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.workers.conftest import Jobs, WorkerProcess, wait_for_status
from tests.support import wait_until
from workers.logs import LogFiles, LogStreams, TaskLog, log_path
from workers.packages import PackageCache

DAY = 24 * 3600.0


def age(path: Path, seconds: float = 2 * DAY) -> None:
    old = os.stat(path).st_mtime - seconds
    os.utime(path, (old, old))


def old_file(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("old\n")
    age(path)
    return path


def test_log_files_older_than_the_retention_go_unless_a_try_writes_them(
    log_streams: LogStreams, tmp_path: Path
) -> None:
    log_dir = tmp_path / "logs"
    held_log = TaskLog(log_streams, TaskKeys(), log_dir, Jobs.try_of("sleeper", 1))
    held_log.write("still running")
    age(held_log.path)
    old = old_file(log_path(log_dir, Jobs.try_of("echo", 2)))
    recent = log_path(log_dir, Jobs.try_of("greet", 3))
    recent.parent.mkdir(parents=True)
    recent.write_text("new\n")
    others = [old_file(log_dir / "scheduler.log"), old_file(old.parent.parent / "notes.txt")]
    logs = LogFiles(log_dir, timedelta(days=1))

    assert logs.sweep() == 1

    assert not old.exists() and not old.parent.exists()  # its task folder went with it
    assert held_log.path.exists() and recent.exists() and all(path.exists() for path in others)
    held_log.close()
    assert logs.sweep() == 1  # the try ended: its log goes once it is old
    assert not held_log.path.exists()


def test_each_log_sweep_looks_at_a_bounded_batch_of_task_folders(tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    for task_execution_id, task in enumerate(["echo", "greet", "crash"], start=1):
        old_file(log_path(log_dir, Jobs.try_of(task, task_execution_id)))
    logs = LogFiles(log_dir, timedelta(days=1))

    assert [logs.sweep(limit=2), logs.sweep(limit=2), logs.sweep(limit=2)] == [2, 1, 0]


def test_snapshot_caches_unused_for_the_retention_go_unless_a_try_uses_them(tmp_path: Path) -> None:
    folder = tmp_path / "snapshots"
    for snapshot_id in (1, 2, 3):
        old_file(folder / str(snapshot_id) / "package.zip")
    cache = PackageCache("http://127.0.0.1:9", None, folder, timedelta(days=1))  # nothing is downloaded

    with cache.use(1) as used:
        age(used.folder)
        age(folder / "2")

        assert cache.sweep() == 1

    assert sorted(p.name for p in folder.iterdir()) == ["1", "3"]  # 1 was used just now, 3 is recent


def test_the_worker_sweeps_its_old_logs_and_snapshots_when_a_try_starts(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, server_config: ServerConfig
) -> None:
    old_try = replace(Jobs.try_of("echo", 90), workflow_execution_id=90)  # not the execution of the try run here
    old_log = old_file(log_path(Path(server_config.log_dir), old_try))
    age(old_log, server_config.history_retention.total_seconds())
    old_snapshot = old_file(Path(server_config.worker_work_dir) / "snapshots" / "99" / "package.zip").parent
    age(old_snapshot)

    wait_for_status(bus, jobs.start("echo", task_execution_id=51), "SUCCESS")

    wait_until(lambda: not old_log.exists() and not old_snapshot.exists(), message="the old files to be swept")
