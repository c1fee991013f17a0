"""Log lines sent to their streams in the background, in order, and logs marked complete across an outage."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_logs import read_task_log
from tests.conftest import start_private_redis
from tests.integration.workers.conftest import Jobs
from tests.support import wait_until
from workers.logs import LogStreams, TaskLog

KEYS = TaskKeys()


def test_the_lines_of_several_tries_reach_their_own_streams_in_order(
    log_streams: LogStreams, bus: NotificationClient, tmp_path: Path
) -> None:
    jobs = Jobs.try_of("echo", 1), Jobs.try_of("greet", 2)
    first, second = (TaskLog(log_streams, KEYS, tmp_path, job) for job in jobs)
    for number in range(500):
        first.write(f"first {number}")
        second.write(f"second {number}")
    first.close()
    second.close()

    for log, job, name in ((first, jobs[0], "first"), (second, jobs[1], "second")):
        page = wait_until(lambda job=job: (p := read_task_log(bus.redis, job.task_execution_id, 1, limit=1000))
                          .finished and p, message="the log to be complete")
        assert page.lines == [f"{name} {number}" for number in range(500)]
        assert log.path.read_text().splitlines() == page.lines


def test_a_log_closed_while_redis_is_away_is_marked_complete_once_it_is_back(tmp_path: Path) -> None:
    redis_server = start_private_redis(tmp_path / "redis")
    bus = NotificationClient(redis_server.url)
    streams = LogStreams(bus.redis, timedelta(hours=1))
    streams.start()
    job = Jobs.try_of("echo", 1)
    log = TaskLog(streams, KEYS, tmp_path / "logs", job)
    try:
        log.write("before")
        wait_until(lambda: read_task_log(bus.redis, job.task_execution_id, 1).lines == ["before"],
                   message="the first line in the stream")
        redis_server.stop()

        log.write("during")  # the file has it at once, whatever becomes of Redis
        log.close()
        assert log.path.read_text().splitlines() == ["before", "during"]

        redis_server.start(daemon=True, timeout=10)  # on the same port
        wait_until(lambda: read_task_log(bus.redis, job.task_execution_id, 1).finished, timeout=30,
                   message="the log to be marked complete")
    finally:
        streams.close()
        bus.close()
        redis_server.stop()
