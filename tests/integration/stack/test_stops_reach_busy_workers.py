"""Stops reach a worker whose every slot is busy with a long task, whatever queue the task used."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import redis

from aiflow import ops
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import SLEEP_SECONDS, WorkerProcess
from tests.support import task_statuses, wait_for_execution, wait_until

KEYS = TaskKeys()
PROMPTLY = 5.0
"""Seconds within which a stop must have taken effect (it takes milliseconds; the rest is for load)."""

BUSY = f'''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="busy") as workflow:
    BashOperator(name="first", bash_command="sleep {SLEEP_SECONDS}", queue="busy")
    BashOperator(name="second", bash_command="sleep {SLEEP_SECONDS}", queue="busy")
'''

ONE_SLOT_ON_BUSY = [sys.executable, "-m", "celery", "-A", "workers", "worker", "--concurrency=1", "--queues=busy",
                    "--loglevel=INFO", "--without-mingle", "--without-gossip"]


def busy_queue_drained(redis_url: str) -> bool:
    client = redis.Redis.from_url(redis_url)
    try:
        return client.llen("busy") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def senders_of(bus: NotificationClient, task_name: str) -> list[tuple[str, str]]:
    return [(event.value or "", event.sender or "") for event in bus.list_events(key=task_status_event_key(task_name))
            if json.loads(event.context or "{}")["try_number"] == 1]


def test_stopping_the_running_and_the_queued_task_of_a_busy_worker_takes_effect_promptly(
    api_server: str, scheduler: None, bus: NotificationClient, redis_url: str, tmp_path: Path
) -> None:
    with WorkerProcess(tmp_path / "worker.log", ONE_SLOT_ON_BUSY):
        ops.upload_workflows(write_workflow(tmp_path, BUSY))
        execution_id = ops.start_workflow_execution("busy")
        statuses = wait_until(lambda: sorted((found := task_statuses(execution_id)).values()) == [
            TaskStatus.QUEUED, TaskStatus.RUNNING] and found, timeout=30)
        running, queued = sorted(statuses, key=lambda name: statuses[name] != TaskStatus.RUNNING)
        queued_id = next(t.id for t in ops.list_task_executions(execution_id) or [] if t.task_name == queued)

        asked = time.monotonic()
        ops.stop_task_execution(execution_id, queued)
        wait_until(lambda: bus.redis.get(KEYS.claim(queued_id, 1)) == b"stopped", timeout=PROMPTLY,
                   message="the queued task to be claimed stopped")
        ops.stop_task_execution(execution_id, running)
        wait_until(lambda: task_statuses(execution_id)[running] == TaskStatus.STOPPED, timeout=PROMPTLY,
                   message="the running task to stop")
        assert time.monotonic() - asked < PROMPTLY

        wait_for_execution(execution_id)
        wait_until(lambda: busy_queue_drained(redis_url), message="the queued task's start job to be taken")
        assert senders_of(bus, queued) == [("STOPPED", "aiflow.scheduler")]  # its start job did nothing
        assert senders_of(bus, running) == [("RUNNING", "aiflow.worker"), ("STOPPED", "aiflow.worker")]
