"""A real scheduler loop over a real Redis (log and Celery broker) and a migrated SQLite database."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.engine import Engine

from aiflow.commands import Command, CommandKind
from aiflow.config.server import ServerConfig
from aiflow.evaluator.process import evaluator_pool
from aiflow.loader.describe import describe_workflow
from aiflow.metadata.checkpoint import last_applied_offset
from aiflow.metadata.definitions import Namespace, WorkflowEventTrigger, WorkflowSchedule, WorkflowSnapshot
from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.session import session_scope
from aiflow.model.execution_type import ExecutionType
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.ops.workflow_trigger_ops import trigger_body
from aiflow.scheduler.loop import LoopSettings
from aiflow.scheduler.main import build_scheduler, job_sender
from aiflow.scheduler.metrics import SchedulerMetrics
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.event import Event
from tests.support import wait_until


class RunningScheduler:
    """A scheduler loop in a thread; ``restart`` stops it and starts a fresh one on the same stores.

    :attr:`metrics` are those of the loop started last.
    """

    def __init__(self, db: Engine, bus: NotificationClient, config: ServerConfig) -> None:
        self._db, self._bus, self._config = db, bus, config
        self._sender = job_sender(config)
        self._evaluators = evaluator_pool(config)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.metrics = SchedulerMetrics()

    def start(self) -> None:
        self.metrics = SchedulerMetrics()
        loop = build_scheduler(self._config, self._db, self._bus, self._sender, self._evaluators,
                               LoopSettings(idle_wait_ms=50), self.metrics)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=loop.run, args=(self._stop,), name="scheduler")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def close(self) -> None:
        self.stop()
        self._evaluators.close()
        self._sender.close()


@pytest.fixture
def server_config(redis_url: str) -> ServerConfig:
    """Fast liveness settings, so heartbeat time-outs show within a test."""
    return ServerConfig(notification_server_uri=redis_url, task_executor_heartbeat_check_interval=1,
                        task_heartbeat_timeout=2, task_heartbeat_interval=1, scheduler_lease_period=3)


@pytest.fixture
def scheduler(db: Engine, bus: NotificationClient, server_config: ServerConfig) -> Iterator[RunningScheduler]:
    running = RunningScheduler(db, bus, server_config)
    running.start()
    yield running
    running.close()


def create_execution(db: Engine, workflow: Workflow) -> int:
    """Store ``workflow`` with one snapshot and an INIT execution of it; return the execution id."""
    with session_scope(db) as session:
        session.merge(Namespace(name=workflow.namespace))
        row = WorkflowRow(namespace=workflow.namespace, name=workflow.name, content="# test")
        session.add(row)
        session.flush()
        snapshot = WorkflowSnapshot(workflow_id=row.id, plan=describe_workflow(workflow).to_json(),
                                    content_hash=f"hash-{row.id}")
        session.add(snapshot)
        session.flush()
        row.snapshot_id = snapshot.id
        execution = WorkflowExecution(workflow_id=row.id, snapshot_id=snapshot.id, status=WorkflowStatus.INIT.value,
                                      execution_type=ExecutionType.MANUAL.value)
        session.add(execution)
        session.flush()
        return execution.id


def send_command(bus: NotificationClient, kind: CommandKind, execution_id: int, task_name: str | None = None,
                 namespace: str = "default") -> None:
    bus.send_event(Command(kind, workflow_execution_id=execution_id, task_name=task_name).to_event(namespace))


def task_rows(db: Engine, execution_id: int) -> list[TaskExecution]:
    with session_scope(db) as session:
        return list(session.scalars(select(TaskExecution).where(TaskExecution.workflow_execution_id == execution_id)
                                    .order_by(TaskExecution.id)))


def execution_row(db: Engine, execution_id: int) -> WorkflowExecution:
    with session_scope(db) as session:
        return session.get_one(WorkflowExecution, execution_id)


def applied_offset(db: Engine) -> int:
    with session_scope(db) as session:
        return last_applied_offset(session)


def wait_for_tasks(
    db: Engine, execution_id: int, expected: Callable[[list[TaskExecution]], bool]
) -> list[TaskExecution]:
    return wait_until(lambda: (rows := task_rows(db, execution_id)) and expected(rows) and rows, timeout=10)


def report(bus: NotificationClient, row: TaskExecution, status: TaskStatus, error: str | None = None,
           namespace: str = "default") -> Event:
    """Send the status event a worker would send for ``row``'s current try; return it as stored."""
    return bus.send_event(TaskStatusReport(namespace, row.workflow_execution_id, row.task_name, row.id,
                                           row.try_number, status, error).to_event("test-worker"))


def broker_jobs(redis_url: str, queue: str = "aiflow") -> list[dict[str, object]]:
    """The jobs waiting in a Celery queue on the broker: (task name, kwargs) of each message."""
    client = redis.Redis.from_url(redis_url)
    try:
        messages = [json.loads(raw) for raw in client.lrange(queue, 0, -1)]
    finally:
        client.close()
    jobs = []
    for message in reversed(messages):  # Celery pushes to the left
        body = json.loads(_decode_body(message))
        jobs.append({"task": message["headers"]["task"], **body[1]})
    return jobs


def _decode_body(message: dict[str, object]) -> str:
    return base64.b64decode(str(message["body"])).decode()


def add_schedule(db: Engine, execution_id: int, expression: str, paused: bool = False) -> int:
    """Add a schedule to the workflow of ``execution_id``; return the schedule id."""
    with session_scope(db) as session:
        workflow_id = session.get_one(WorkflowExecution, execution_id).workflow_id
        schedule = WorkflowSchedule(workflow_id=workflow_id, expression=expression, is_paused=paused)
        session.add(schedule)
        session.flush()
        return schedule.id


def executions_of_workflow_of(db: Engine, execution_id: int) -> list[WorkflowExecution]:
    with session_scope(db) as session:
        workflow_id = session.get_one(WorkflowExecution, execution_id).workflow_id
        return list(session.scalars(select(WorkflowExecution).where(WorkflowExecution.workflow_id == workflow_id)
                                    .order_by(WorkflowExecution.id)))


def add_trigger(db: Engine, bus: NotificationClient, execution_id: int, rule: WorkflowRule) -> None:
    """Add a trigger with ``rule`` to the workflow of ``execution_id`` and tell the scheduler, as the API does."""
    with session_scope(db) as session:
        workflow_id = session.get_one(WorkflowExecution, execution_id).workflow_id
        condition = json.dumps(trigger_body(rule)["condition"])
        session.add(WorkflowEventTrigger(workflow_id=workflow_id, condition=condition))
    bus.send_event(Command(CommandKind.TRIGGERS_CHANGED, workflow_id=workflow_id).to_event("default"))
