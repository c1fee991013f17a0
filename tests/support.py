"""Small helpers shared by the tests: waiting for a condition, free ports, configuration, executions, metrics.

``server_config_in`` gives a server its own database, blob store and logs in a test's folder;
``wait_for_execution`` and ``task_statuses`` follow an execution through the Python SDK;
``scrape`` reads a ``/metrics`` endpoint as Prometheus does.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from prometheus_client.parser import text_string_to_metric_families
from werkzeug.serving import make_server

from aiflow import ops
from aiflow.config import ServerConfig
from aiflow.model.status import TaskStatus, WorkflowStatus

if TYPE_CHECKING:
    from flask import Flask

    from notification.client import NotificationClient

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 10.0, interval: float = 0.01, message: str = "") -> T:
    """Return the first truthy value of ``condition()``; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        time.sleep(interval)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_open(port: int) -> bool:
    """Return whether something accepts connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def process_running(pid: int) -> bool:
    """Return whether ``pid`` is a live process (a zombie awaiting its reaper is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@contextmanager
def serving(app: Flask, port: int, bus: NotificationClient) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1:``port``, a thread per request; yield its address.

    At the end, listings still waiting for events on ``bus`` are woken until every request
    has ended (a task's listener that was stopped leaves its last poll waiting on the server).
    """
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="api-server")
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
        wait_until(lambda: _requests_ended(bus), timeout=5, message="the server's requests to end")


def _requests_ended(bus: NotificationClient) -> bool:
    for client in bus.redis.client_list():
        if client.get("cmd") == "xread" and "b" in client.get("flags", ""):
            bus.redis.client_unblock(client["id"])
    return not any(thread.name.endswith("(process_request_thread)") for thread in threading.enumerate())


def server_config_in(folder: Path, redis_url: str, **overrides: Any) -> ServerConfig:
    """A configuration whose database, blob store and logs are in ``folder`` and whose bus is ``redis_url``."""
    values: dict[str, Any] = {
        "metadata_backend_uri": f"sqlite:///{folder / 'aiflow.db'}",
        "notification_server_uri": redis_url,
        "blob_store_uri": str(folder / "blob"),
        "log_dir": str(folder / "logs"),
        **overrides,
    }
    return ServerConfig(**values)


def wait_for_execution(execution_id: int, timeout: float = 60) -> ops.WorkflowExecutionMeta:
    """Wait until the execution has finished; return it."""
    def finished() -> ops.WorkflowExecutionMeta | None:
        execution = ops.get_workflow_execution(execution_id)
        return execution if execution and WorkflowStatus(execution.status).is_finished else None

    execution = wait_until(finished, timeout=timeout, interval=0.2, message=f"execution {execution_id} to finish")
    assert execution is not None
    return execution


def task_statuses(execution_id: int) -> dict[str, TaskStatus]:
    """The status of each task's latest run."""
    latest: dict[str, ops.TaskExecutionMeta] = {}
    for task in ops.list_task_executions(execution_id) or []:
        if task.task_name not in latest or task.sequence_number > latest[task.task_name].sequence_number:
            latest[task.task_name] = task
    return {name: TaskStatus(task.status) for name, task in latest.items()}


@dataclass(frozen=True)
class Scrape:
    """The samples of one scrape of a ``/metrics`` endpoint, by sample name and labels."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        """Parse Prometheus's text format with prometheus_client's own parser."""
        return cls({(sample.name, frozenset(sample.labels.items())): sample.value
                    for family in text_string_to_metric_families(text) for sample in family.samples})

    def value(self, name: str, **labels: str) -> float | None:
        """The value of the sample ``name`` with exactly ``labels`` (None: there is none)."""
        return self.samples.get((name, frozenset(labels.items())))

    def names(self) -> set[str]:
        """The names of every sample."""
        return {name for name, _ in self.samples}


def scrape(url: str, token: str | None = None) -> Scrape:
    """GET ``url`` (a ``/metrics`` endpoint), with ``token`` as bearer token if given, and parse it."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.get(url, headers=headers, timeout=5)
    response.raise_for_status()
    return Scrape.parse(response.text)
