"""Batched publishing reaches a real Celery worker, and a re-send after a crash runs nothing twice."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.config import ServerConfig
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.session import session_scope
from aiflow.metadata.try_key import try_token_key
from aiflow.model.workflow import Workflow
from aiflow.scheduler import outbox
from aiflow.scheduler.main import job_sender
from aiflow.scheduler.outbox import Dispatcher, NewJob, OutboxJob
from aiflow.try_token import TRY_TOKEN_HEADER, TryId, verify
from notification.client import NotificationClient
from tests.integration.scheduler.conftest import create_execution
from tests.integration.workers import conftest as workers
from tests.integration.workers.conftest import (
    SNAPSHOT_ID,
    WORKFLOW,
    WorkerProcess,
    queue_drained,
    statuses,
    wait_for_status,
)
from tests.support import wait_until
from workers.logs import log_path
from workers.payloads import StartTask

# A real worker, as the workers' tests run it (its configuration replaces the scheduler tests' one here).
worker, server_config = workers.worker, workers.server_config
snapshot_server, package = workers.snapshot_server, workers.package

TRIES = 4


def commit_start_jobs(db: Engine, queue: str = "aiflow") -> tuple[list[OutboxJob], list[StartTask]]:
    """Commit outbox start jobs of the workers' ``echo`` task, as the applier does; return them and their tries."""
    execution_id = create_execution(db, Workflow("dispatch"))
    with session_scope(db) as session:
        rows = [TaskExecution(workflow_execution_id=execution_id, task_name="echo", sequence_number=n, try_number=1,
                              execution_type="MANUAL", status="QUEUED") for n in range(1, TRIES + 1)]
        session.add_all(rows)
        session.flush()
        tries = [StartTask(row.id, 1, execution_id, "default", WORKFLOW, "echo", SNAPSHOT_ID, row.sequence_number)
                 for row in rows]
        jobs = outbox.write_jobs(session, [NewJob("start", t.task_execution_id, 1, queue, json.dumps(t.to_kwargs()))
                                           for t in tries])
    return jobs, tries


def unsent(db: Engine) -> list[OutboxJob]:
    with session_scope(db) as session:
        return outbox.unsent_jobs(session)


def test_jobs_sent_again_after_a_crash_before_marking_run_once_each(
    db: Engine, bus: NotificationClient, redis_url: str, server_config: ServerConfig, worker: WorkerProcess
) -> None:
    jobs, tries = commit_start_jobs(db)
    sender = job_sender(ServerConfig(notification_server_uri=redis_url))
    try:
        Dispatcher(db, sender, bus).send(jobs)  # one pipeline; then the scheduler "dies" before marking them
        assert [job.id for job in unsent(db)] == [job.id for job in jobs]

        assert Dispatcher(db, sender, bus).send_unsent(utcnow()) == TRIES  # what a restarted scheduler does
    finally:
        sender.close()

    assert unsent(db) == []
    for job in tries:
        wait_for_status(bus, job, "SUCCESS")
    wait_until(lambda: queue_drained(redis_url), timeout=30, message="both deliveries of every job to be handled")
    for job in tries:
        assert [status for status, _ in statuses(bus, job)] == ["RUNNING", "SUCCESS"]
        assert log_path(Path(server_config.log_dir), job).read_text().count("hello from bash") == 1
    assert "already claimed" in worker.log_file.read_text()


def test_each_start_job_carries_its_tries_token_in_a_header_only(
    db: Engine, bus: NotificationClient, redis_url: str
) -> None:
    jobs, tries = commit_start_jobs(db, queue="nobody-takes-these")
    sender = job_sender(ServerConfig(notification_server_uri=redis_url))
    try:
        Dispatcher(db, sender, bus).send(jobs)
    finally:
        sender.close()

    messages = [json.loads(raw) for raw in reversed(bus.redis.lrange("nobody-takes-these", 0, -1))]
    key = try_token_key(db)
    assert [verify(key, message["headers"][TRY_TOKEN_HEADER]) for message in messages] == [
        TryId(job.task_execution_id, job.try_number) for job in tries]
    for message in messages:
        shown = json.dumps({**message["headers"], TRY_TOKEN_HEADER: None}) + base64.b64decode(message["body"]).decode()
        assert "aiflow-try." not in shown  # neither in the arguments nor in what Celery shows of them
