"""Heartbeats while a try runs (and none once its worker is killed), and its log in the file and the stream."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
import redis

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_logs import read_task_log
from tests.integration.workers.conftest import Jobs, WorkerProcess, sleeping_processes, statuses, wait_for_status
from tests.support import wait_until
from workers.logs import log_path

KEYS = TaskKeys()


def test_log_goes_to_the_file_and_the_stream(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, server_config: ServerConfig
) -> None:
    job = jobs.start("echo", task_execution_id=21)

    wait_for_status(bus, job, "SUCCESS")  # the log is marked complete just after the final report

    page = wait_until(lambda: (p := read_task_log(bus.redis, job.task_execution_id, job.try_number)).finished and p,
                      message="the log to be complete")
    file_lines = log_path(Path(server_config.log_dir), job).read_text().splitlines()
    assert {"hello from bash", "to stderr"} <= set(file_lines)
    assert page.lines == file_lines
    assert file_lines[-1].endswith("Task 'echo' ended SUCCESS")


def test_heartbeat_lives_while_the_task_runs_and_goes_with_it(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient
) -> None:
    job = jobs.start("sleeper", task_execution_id=22)
    key = KEYS.heartbeat(job.task_execution_id, job.try_number)
    wait_for_status(bus, job, "RUNNING")
    assert 0 < bus.redis.pttl(key) <= 3000  # task_heartbeat_timeout

    wait_until(lambda: _alive_ttl(bus.redis, key) <= 2500, timeout=3, message="the heartbeat to age")
    wait_until(lambda: _alive_ttl(bus.redis, key) > 2500, timeout=3, message="the heartbeat to be refreshed")
    jobs.stop(job)
    wait_for_status(bus, job, "STOPPED")  # the heartbeat goes only once the final report is stored

    wait_until(lambda: not bus.redis.exists(key), timeout=3, message="the heartbeat to go")


def test_killed_worker_stops_beating_and_leaves_no_task_running(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient
) -> None:
    job = jobs.start("sleeper", task_execution_id=23)
    key = KEYS.heartbeat(job.task_execution_id, job.try_number)
    wait_for_status(bus, job, "RUNNING")
    wait_until(sleeping_processes, message="the task's sleep to run")
    pool = psutil.Process(worker.pid).children(recursive=True)

    os.kill(worker.pid, signal.SIGKILL)

    wait_until(lambda: not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in pool), timeout=5,
               message="the pool and the task processes to end")
    wait_until(lambda: not bus.redis.exists(key), timeout=5, message="the heartbeat to expire")
    assert not sleeping_processes()
    assert [status for status, _ in statuses(bus, job)] == ["RUNNING"]  # the scheduler fails it (heartbeat)


def _alive_ttl(client: redis.Redis, key: str) -> int:
    """The heartbeat's remaining life in ms; fails the test if it has expired."""
    ttl = client.pttl(key)
    assert ttl > 0, f"{key} expired while the task runs"
    return ttl
