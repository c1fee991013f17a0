"""Stops carried out on Redis from the outbox, and a try whose heartbeat goes just as it succeeds."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from aiflow.backoff import Outage
from aiflow.clock import utcnow
from aiflow.commands import CommandKind
from aiflow.config import ServerConfig
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler import outbox
from aiflow.scheduler.heartbeat_watch import HeartbeatWatch
from aiflow.scheduler.main import job_sender
from aiflow.scheduler.outbox import Dispatcher, NewJob, OutboxJob
from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_control import TaskControl, run_claim
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    create_execution,
    execution_row,
    report,
    send_command,
    task_rows,
    wait_for_tasks,
)
from tests.support import wait_until

KEYS = TaskKeys()


def one_task() -> Workflow:
    with Workflow("one_task") as workflow:
        BashOperator("t", "echo 1")
    return workflow


def commit_stop_jobs(db: Engine, count: int) -> tuple[list[OutboxJob], list[TaskExecution]]:
    """Commit outbox stop jobs of ``count`` queued tries, as the applier does; return them and the rows."""
    execution_id = create_execution(db, one_task())
    with session_scope(db) as session:
        rows = [TaskExecution(workflow_execution_id=execution_id, task_name="t", sequence_number=n, try_number=1,
                              execution_type="MANUAL", status="STOPPED") for n in range(1, count + 1)]
        session.add_all(rows)
        session.flush()
        payloads = [{"task_execution_id": row.id, "try_number": 1, "workflow_execution_id": execution_id,
                     "namespace": "default", "workflow_name": "one_task", "task_name": "t"} for row in rows]
        jobs = outbox.write_jobs(session, [NewJob("stop", p["task_execution_id"], 1, "elsewhere", json.dumps(p))
                                           for p in payloads])
        session.expunge_all()
    return jobs, rows


def stopped_reports(bus: NotificationClient, task_execution_id: int) -> list[str]:
    """The senders of the STOPPED reports of the try."""
    return [event.sender or "" for event in bus.list_events(key=task_status_event_key("t"))
            if event.value == "STOPPED" and json.loads(event.context or "{}")["task_execution_id"] == task_execution_id]


def unsent(db: Engine) -> list[int]:
    with session_scope(db) as session:
        return [job.id for job in outbox.unsent_jobs(session)]


def test_stops_of_unclaimed_tries_claim_them_and_report_once_even_when_carried_out_again(
    db: Engine, bus: NotificationClient, redis_url: str
) -> None:
    jobs, rows = commit_stop_jobs(db, 3)
    sender = job_sender(ServerConfig(notification_server_uri=redis_url))
    try:
        Dispatcher(db, sender, bus).send(jobs)  # then the scheduler "dies" before marking them sent
        assert unsent(db) == [job.id for job in jobs]
        assert all(bus.redis.get(KEYS.claim(row.id, 1)) == b"stopped" for row in rows)  # no worker will start them

        assert Dispatcher(db, sender, bus).send_unsent(utcnow()) == 3  # what a restarted scheduler does
    finally:
        sender.close()

    assert unsent(db) == []
    assert [stopped_reports(bus, row.id) for row in rows] == [["aiflow.scheduler"]] * 3
    assert not bus.redis.keys("*:stop")  # nobody runs them: no worker is asked anything


def test_a_stop_of_a_claimed_try_reaches_its_worker_on_the_stop_channel(
    db: Engine, bus: NotificationClient, redis_url: str
) -> None:
    jobs, rows = commit_stop_jobs(db, 1)
    task_execution_id = rows[0].id
    assert TaskControl(bus.redis).claim_to_run(task_execution_id, 1, run_claim("host:1"), "host:1", 60)
    sender = job_sender(ServerConfig(notification_server_uri=redis_url))
    with bus.redis.pubsub(ignore_subscribe_messages=True) as listening:
        listening.subscribe(KEYS.stop(task_execution_id, 1))
        try:
            Dispatcher(db, sender, bus).send(jobs)
        finally:
            sender.close()

        message = wait_until(lambda: listening.get_message(timeout=0.1), message="the stop message")
    assert message["data"] == b"stop"
    assert bus.redis.exists(KEYS.stop(task_execution_id, 1))  # for a worker that was not listening
    assert stopped_reports(bus, task_execution_id) == []  # the worker reports how the try ended


def test_a_try_whose_heartbeat_goes_as_it_succeeds_is_not_failed_by_the_heartbeat_watch(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler, server_config: ServerConfig
) -> None:
    execution_id = create_execution(db, one_task())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)[0]
    assert TaskControl(bus.redis).claim_to_run(row.id, 1, run_claim("host:1"), "host:1", 60)
    report(bus, row, TaskStatus.RUNNING)
    wait_for_tasks(db, execution_id, lambda rows: rows[0].status == "RUNNING")
    scheduler.stop()

    report(bus, row, TaskStatus.SUCCESS)  # the worker's final report is stored ...
    bus.redis.delete(KEYS.heartbeat(row.id, 1))  # ... then its heartbeat goes, before the scheduler applied it
    timeout = timedelta(seconds=server_config.task_heartbeat_timeout)
    watch = HeartbeatWatch(db, bus, timedelta(seconds=1), timeout, KEYS, Outage(logging.getLogger(__name__), "Test"))
    watch.run(utcnow() + timeout)
    lost = [e for e in bus.list_events(key=task_status_event_key("t")) if json.loads(e.context or "{}").get("lost")]
    assert [e.value for e in lost] == ["FAILED"]  # the watch saw a RUNNING row without a heartbeat

    scheduler.start()

    wait_until(lambda: execution_row(db, execution_id).status == WorkflowStatus.SUCCESS.value)
    assert [(r.status, r.try_number) for r in task_rows(db, execution_id)] == [("SUCCESS", 1)]
    with session_scope(db) as session:  # the stale lost report stopped nothing
        assert session.scalars(select(JobOutbox.kind).where(JobOutbox.task_execution_id == row.id)).all() == ["start"]
