"""A try beats from its claim to its final report, and its reports survive an outage of Redis."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
import redis

from aiflow.model.status import TaskStatus
from notification.client import NotificationClient
from notification.embedded import EmbeddedServer
from notification.keys import TaskKeys
from tests.faults import TcpProxy
from tests.integration.workers.conftest import Jobs, WorkerProcess, statuses, wait_for_status
from tests.integration.workers.snapshot_server import SnapshotServer
from tests.support import wait_until
from workers.reports import TryReports
from workers.runtime.messages import Outcome

KEYS = TaskKeys()


def heartbeat_ttl(client: redis.Redis, task_execution_id: int) -> int:
    """The remaining life of the try's heartbeat in ms (negative: no heartbeat)."""
    return int(client.pttl(KEYS.heartbeat(task_execution_id, 1)))


def test_a_claimed_try_beats_while_its_package_downloads_and_until_its_final_report(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, snapshot_server: SnapshotServer
) -> None:
    snapshot_server.packages_flow.clear()
    job = jobs.start("echo", task_execution_id=41)
    wait_until(lambda: bus.redis.exists(KEYS.claim(41, 1)), message="the claim")

    first = heartbeat_ttl(bus.redis, 41)
    assert first > 0  # set with the claim, before any download
    wait_until(lambda: 0 < heartbeat_ttl(bus.redis, 41) < first - 500, timeout=3, message="the heartbeat to age")
    wait_until(lambda: heartbeat_ttl(bus.redis, 41) > first - 200, timeout=3, message="a beat during the download")
    assert statuses(bus, job) == []  # still preparing: nothing reported yet
    snapshot_server.packages_flow.set()

    wait_for_status(bus, job, "SUCCESS")
    wait_until(lambda: heartbeat_ttl(bus.redis, 41) < 0, timeout=3, message="the heartbeat to be removed")
    assert [status for status, _ in statuses(bus, job)] == ["RUNNING", "SUCCESS"]


def test_a_try_stopped_while_its_package_downloads_is_never_launched(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, snapshot_server: SnapshotServer
) -> None:
    snapshot_server.packages_flow.clear()
    job = jobs.start("echo", task_execution_id=42)
    wait_until(lambda: bus.redis.exists(KEYS.claim(42, 1)), message="the claim")

    jobs.stop(job)  # the claim is taken: the worker is asked to stop it
    snapshot_server.packages_flow.set()

    wait_for_status(bus, job, "STOPPED")
    assert [status for status, _ in statuses(bus, job)] == ["STOPPED"]


def test_a_final_report_that_cannot_be_sent_arrives_once_redis_is_back(
    jobs: Jobs, bus: NotificationClient, redis_server: EmbeddedServer, redis_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    go = tmp_path / "go"
    with TcpProxy(redis_server.port) as proxy:
        monkeypatch.setenv("AIFLOW_NOTIFICATION_SERVER_URI", proxy.url(redis_url))
        monkeypatch.setenv("TEST_GO_FILE", str(go))
        with WorkerProcess(tmp_path / "worker.log") as worker:
            job = jobs.start("wait_for_go", task_execution_id=43)
            wait_for_status(bus, job, "RUNNING")

            proxy.cut()
            go.touch()  # the task ends while its worker cannot reach Redis
            wait_until(lambda: "status report of" in worker.log_file.read_text(), timeout=15,
                       message="the worker to find the report unsendable")
            assert [status for status, _ in statuses(bus, job)] == ["RUNNING"]
            proxy.restore()

            wait_for_status(bus, job, "SUCCESS", timeout=20)
            wait_until(lambda: heartbeat_ttl(bus.redis, 43) < 0, timeout=5, message="the heartbeat to be removed")
            assert [status for status, _ in statuses(bus, job)] == ["RUNNING", "SUCCESS"]
            assert worker.alive()
    outage_lines = [line for line in worker.log_file.read_text().splitlines() if "status report of" in line]
    assert len(outage_lines) == 2, outage_lines  # one line when the outage began, one when it ended


def test_running_is_reported_in_the_background_and_the_outcome_after_it(
    jobs: Jobs, bus: NotificationClient, redis_server: EmbeddedServer, redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Redis away right at launch: supervision does not wait, and the final report follows RUNNING."""
    job = Jobs.try_of("echo", task_execution_id=44)
    caplog.set_level(logging.WARNING, logger="workers.reports")
    with TcpProxy(redis_server.port) as proxy, NotificationClient(proxy.url(redis_url), retry_budget=0.2) as cut_off:
        reports = TryReports(cut_off, job)
        proxy.cut()

        began = time.monotonic()
        reports.running()
        assert time.monotonic() - began < 0.1  # the supervisor goes on at once
        final = threading.Thread(target=reports.final, args=(Outcome(TaskStatus.SUCCESS),))
        final.start()
        wait_until(lambda: "unreachable" in caplog.text, message="the RUNNING report to fail")
        assert statuses(bus, job) == []

        proxy.restore()
        final.join(10)
        assert not final.is_alive()
    assert [status for status, _ in statuses(bus, job)] == ["RUNNING", "SUCCESS"]
