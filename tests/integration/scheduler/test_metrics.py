"""The scheduler's metrics read at scrape time (lag, outbox, broker queues) and lost tries (docs/metrics.md)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from prometheus_client import generate_latest
from prometheus_client.core import Metric
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.commands import CommandKind
from aiflow.config import ServerConfig
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.session import session_scope
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler import outbox
from aiflow.scheduler.metrics import Backlog, SchedulerMetrics
from aiflow.scheduler.outbox import NewJob
from notification.client import NotificationClient
from notification.event import Event
from notification.task_control import TaskControl, run_claim
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    create_execution,
    execution_row,
    report,
    send_command,
    wait_for_tasks,
)
from tests.support import Scrape, free_port, wait_until

QUEUE = "aiflow"


def one_task() -> Workflow:
    with Workflow("one_task") as workflow:
        BashOperator("t", "sleep 9")
    return workflow


def scraped(metrics: SchedulerMetrics) -> Scrape:
    return Scrape.parse(generate_latest(metrics.registry).decode())


def gauges(backlog: Backlog) -> dict[str, float]:
    families: list[Metric] = list(backlog.collect())
    return {sample.name: sample.value for family in families for sample in family.samples if not sample.labels}


def test_a_job_no_worker_takes_waits_in_its_queue_and_a_lost_try_counts_as_a_heartbeat_timeout(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, one_task())
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
    row = wait_for_tasks(db, execution_id, lambda rows: len(rows) == 1)[0]

    queued = wait_until(lambda: (now := scraped(scheduler.metrics)).value("aiflow_scheduler_outbox_pending_jobs") == 0
                        and now, message="the start job to be marked sent")
    assert queued.value("aiflow_broker_queue_length", queue=QUEUE) == 1  # no worker takes it
    assert queued.value("aiflow_scheduler_leader") == 1

    assert TaskControl(bus.redis).claim_to_run(row.id, 1, run_claim("host:1"), "host:1", 0.2)  # then beats no more
    report(bus, row, TaskStatus.RUNNING)
    of_task = {"namespace": "default", "workflow": "one_task"}
    lost = wait_until(lambda: (now := scraped(scheduler.metrics)).value("aiflow_scheduler_heartbeat_timeouts_total",
                                                                        **of_task) and now,
                      timeout=15, message="the heartbeat watch to fail the lost try")  # counted once committed
    assert execution_row(db, execution_id).status == WorkflowStatus.FAILED.value
    assert lost.value("aiflow_scheduler_heartbeat_timeouts_total", **of_task) == 1
    assert lost.value("aiflow_task_executions_ended_total", **of_task, status="FAILED") == 1
    assert lost.value("aiflow_task_duration_seconds_count", **of_task) == 1


def test_the_lag_counts_the_entries_after_the_applied_offset_and_how_long_the_oldest_waits(
    db: Engine, bus: NotificationClient
) -> None:
    backlog = Backlog()
    backlog.watch(db, bus, QUEUE)
    assert gauges(backlog) == {}  # not leading: nothing to tell

    backlog.applied = bus.latest_offset()
    for value in "123":
        bus.send_event(Event(key="k", value=value, namespace="default"))
    waiting = wait_until(lambda: (now := gauges(backlog))["aiflow_scheduler_lag_seconds"] > 0 and now)

    assert waiting["aiflow_scheduler_lag_events"] == 3
    assert waiting["aiflow_scheduler_applied_offset"] == backlog.applied
    backlog.applied = bus.latest_offset()
    assert gauges(backlog)["aiflow_scheduler_lag_events"] == gauges(backlog)["aiflow_scheduler_lag_seconds"] == 0


def test_jobs_committed_but_not_sent_are_pending_in_the_outbox(db: Engine, bus: NotificationClient) -> None:
    backlog = Backlog()
    backlog.watch(db, bus, QUEUE)
    backlog.applied = 0
    execution_id = create_execution(db, one_task())
    with session_scope(db) as session:
        task = TaskExecution(workflow_execution_id=execution_id, task_name="t", sequence_number=1,
                             execution_type="MANUAL", status="QUEUED")
        session.add(task)
        session.flush()
        payload = json.dumps({"workflow_execution_id": execution_id, "task_execution_id": task.id})
        jobs = outbox.write_jobs(session, [NewJob("start", task.id, 1, QUEUE, payload),
                                           NewJob("stop", task.id, 1, QUEUE, payload)])

    assert gauges(backlog)["aiflow_scheduler_outbox_pending_jobs"] == 2
    with session_scope(db) as session:
        outbox.mark_sent(session, [jobs[0].id], utcnow())
    assert gauges(backlog)["aiflow_scheduler_outbox_pending_jobs"] == 1


def test_a_taken_metrics_port_is_logged_once_and_the_scheduler_leads_without_metrics(
    db: Engine, redis_url: str, tmp_path: Path
) -> None:
    env = {**os.environ, "AIFLOW_NOTIFICATION_SERVER_URI": redis_url, "AIFLOW_METADATA_BACKEND_URI": str(db.url)}
    log = tmp_path / "scheduler.log"
    with socket.socket() as taken, log.open("wb") as output:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        scheduler = subprocess.Popen([sys.executable, "-m", "aiflow", "scheduler", f"--metrics-port={port}"], env=env,
                                     stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: scheduler.poll() is not None or "Scheduler: resuming after offset" in log.read_text(),
                       timeout=30, message="the scheduler to lead")
            assert scheduler.poll() is None, log.read_text()
        finally:
            scheduler.terminate()
            scheduler.wait(30)

    errors = [line for line in log.read_text().splitlines() if " ERROR " in line]
    assert errors == [line for line in errors if f"metrics endpoint 127.0.0.1:{port} not served" in line]
    assert len(errors) == 1


def test_gauges_of_a_store_that_is_away_are_left_out_of_the_scrape(db: Engine) -> None:
    away = NotificationClient(f"redis://127.0.0.1:{free_port()}/0", retry_budget=0.1)
    backlog = Backlog()
    backlog.watch(db, away, QUEUE)
    backlog.applied = 7

    families = {family.name for family in backlog.collect()}

    assert families == {"aiflow_scheduler_applied_offset", "aiflow_scheduler_outbox_pending_jobs"}
    away.close()


def test_a_standby_serves_no_backlog_until_it_takes_the_lease_over(
    db: Engine, bus: NotificationClient, server_config: ServerConfig, scheduler: RunningScheduler
) -> None:
    wait_until(lambda: scraped(scheduler.metrics).value("aiflow_scheduler_applied_offset") is not None,
               message="the first scheduler to lead")
    standby = RunningScheduler(db, bus, server_config)
    standby.start()
    try:
        waiting = scraped(standby.metrics)
        assert (waiting.value("aiflow_scheduler_leader"), waiting.value("aiflow_scheduler_applied_offset")) == (0, None)
        assert waiting.value("aiflow_scheduler_leadership_acquisitions_total") == 0

        scheduler.stop()  # gives the lease up
        leading = wait_until(lambda: (now := scraped(standby.metrics)).value("aiflow_scheduler_applied_offset")
                             is not None and now, message="the standby to take over and recover")
        assert leading.value("aiflow_scheduler_leader") == 1
        assert leading.value("aiflow_scheduler_leadership_acquisitions_total") == 1
        assert leading.value("aiflow_scheduler_lag_events") == 0
        assert scraped(scheduler.metrics).value("aiflow_scheduler_leader") == 0
    finally:
        standby.close()
