"""The whole system on one machine: API server, scheduler, a Celery worker, Redis and SQLite.

The API server and the scheduler run in threads of the test process; the worker is a real
``celery -A workers worker`` process; the test drives everything through the Python SDK.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from aiflow import ops
from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.metadata import migrate
from aiflow.metadata.engine import create_engine
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.scheduler.main import run_scheduler
from notification.client import NotificationClient
from tests.integration.workers.conftest import WorkerProcess
from tests.support import free_port, wait_until
from web import create_app


@pytest.fixture
def stack_config(tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    """``aiflow_server.yaml`` as environment overrides, shared by the test, the worker and the SDK."""
    api_port = free_port()
    overrides = {
        "AIFLOW_METADATA_BACKEND_URI": f"sqlite:///{tmp_path / 'aiflow.db'}",
        "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
        "AIFLOW_REST_PORT": str(api_port),
        "AIFLOW_API_SERVER_ADDRESS": f"http://127.0.0.1:{api_port}",
        "AIFLOW_SERVER_ADDRESS": f"http://127.0.0.1:{api_port}",
        "AIFLOW_BLOB_STORE_URI": str(tmp_path / "blob"),
        "AIFLOW_LOG_DIR": str(tmp_path / "logs"),
        "AIFLOW_TASK_HEARTBEAT_INTERVAL": "1",
        "AIFLOW_TASK_HEARTBEAT_TIMEOUT": "3",
        "AIFLOW_TASK_EXECUTOR_HEARTBEAT_CHECK_INTERVAL": "1",
        "AIFLOW_SCHEDULER_LEASE_PERIOD": "3",
    }
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    return load_server_config()


@pytest.fixture
def database(stack_config: ServerConfig) -> Iterator[Engine]:
    engine = create_engine(stack_config.metadata_backend_uri)
    migrate.init(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def api_server(stack_config: ServerConfig, database: Engine, redis_url: str) -> Iterator[str]:
    with NotificationClient(redis_url) as bus:
        server = make_server("127.0.0.1", stack_config.rest_port, create_app(stack_config, engine=database, bus=bus))
        thread = threading.Thread(target=server.serve_forever, name="api-server")
        thread.start()
        yield stack_config.api_server_address
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def scheduler(stack_config: ServerConfig, database: Engine) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(stack_config, stop), name="scheduler")
    thread.start()
    yield
    stop.set()
    thread.join(15)


@pytest.fixture
def worker(stack_config: ServerConfig, tmp_path: Path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(tmp_path / "worker.log")
    yield process
    process.stop()


@pytest.fixture
def stack(api_server: str, scheduler: None, worker: WorkerProcess) -> WorkerProcess:
    """Everything running; the SDK talks to the API server."""
    return worker


def write_workflow(folder: Path, source: str, name: str = "workflow.py") -> str:
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return str(path)


def wait_for_execution(execution_id: int, timeout: float = 60) -> ops.WorkflowExecutionMeta:
    """Wait until the execution has finished; return it."""
    def finished() -> ops.WorkflowExecutionMeta | None:
        execution = ops.get_workflow_execution(execution_id)
        return execution if execution and WorkflowStatus(execution.status).is_finished else None

    return wait_until(finished, timeout=timeout, interval=0.2, message=f"execution {execution_id} to finish")


def task_statuses(execution_id: int) -> dict[str, TaskStatus]:
    """The latest status of each task of an execution."""
    latest: dict[str, ops.TaskExecutionMeta] = {}
    for task in ops.list_task_executions(execution_id) or []:
        if task.task_name not in latest or task.sequence_number > latest[task.task_name].sequence_number:
            latest[task.task_name] = task
    return {name: TaskStatus(task.status) for name, task in latest.items()}
