"""The whole system on one machine: API server, scheduler, a Celery worker, Redis and SQLite.

The API server (a thread per request) and the scheduler run in threads of the test process; the worker is a real
``celery -A workers worker`` process; the test drives everything through the Python SDK.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.scheduler.main import run_scheduler
from notification.client import NotificationClient
from tests.integration.workers.conftest import WorkerProcess
from tests.support import free_port, serving
from web import create_app


@pytest.fixture
def stack_config(tmp_path: Path, redis_url: str, db: Engine, monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    """``aiflow_server.yaml`` as environment overrides, shared by the test, the worker and the SDK."""
    api_port = free_port()
    overrides = {
        "AIFLOW_METADATA_BACKEND_URI": str(db.url),
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
def api_server(stack_config: ServerConfig, db: Engine, bus: NotificationClient) -> Iterator[str]:
    """The API server, serving each request in a thread (tasks' listeners hold one while they wait)."""
    with serving(create_app(stack_config, engine=db, bus=bus), stack_config.rest_port, bus):
        yield stack_config.api_server_address


@pytest.fixture
def scheduler(stack_config: ServerConfig) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(stack_config, stop), name="scheduler")
    thread.start()
    yield
    stop.set()
    thread.join(15)


@pytest.fixture
def stack(api_server: str, scheduler: None, tmp_path: Path) -> Iterator[WorkerProcess]:
    """Everything running, the worker started last; the SDK talks to the API server. Yields the worker."""
    with WorkerProcess(tmp_path / "worker.log") as worker:
        yield worker


@pytest.fixture
def shared(tmp_path: Path) -> Path:
    """A folder the test and its tasks share.

    Tasks cannot add files directly in ``tmp_path``: it holds the worker's folders (``AIFLOW_HOME``, the logs),
    and a task may use nothing of those, nor add entries in the folders on the way to them.
    """
    folder = tmp_path / "shared"
    folder.mkdir()
    return folder


def write_workflow(folder: Path, source: str, name: str = "workflow.py") -> str:
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return str(path)
