"""A real Celery worker (a subprocess, as in production) against the private Redis and a snapshot server."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis
from celery import Celery

from aiflow.config import ServerConfig, load_server_config
from aiflow.model.internal.events import task_status_event_key
from aiflow.scheduler.stops import TryStopper
from aiflow.try_token import TRY_TOKEN_HEADER, mint
from notification.client import NotificationClient
from tests.integration.workers.snapshot_server import TOKEN, SnapshotServer
from tests.support import wait_until
from workers.celery_app import create_app
from workers.jobs import START_TASK
from workers.payloads import StartTask

SNAPSHOT_ID = 7
ENTRY = "workflow.py"
WORKFLOW = "jobs"
SLEEP_SECONDS = "1000"
"""How long the sleeping tasks sleep: a number no other process on the machine uses."""

WORKFLOW_FILE = f"""
import os
import signal
import subprocess
import sys
import time

from aiflow.model.operator import AIFlowOperator
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.operators.python import PythonOperator
from helpers import crash, greet

NOTE = os.path.join(os.path.dirname(__file__), "tmp", "note.txt")


def leave_note():
    os.makedirs(os.path.dirname(NOTE), exist_ok=True)
    with open(NOTE, "w") as note:
        note.write(__file__)


def loop_with_a_child():
    subprocess.Popen(["sleep", "{SLEEP_SECONDS}"])
    while True:
        time.sleep(0.1)


def exit_3():
    sys.exit(3)


def read_note():
    with open(NOTE) as note:
        print("note from", note.read(), flush=True)


def keep_runtime():
    with open(os.path.join(os.path.dirname(__file__), "runtime.json"), "w") as kept:
        kept.write(os.environ["AIFLOW_TASK_RUNTIME"])


class KillsItself(AIFlowOperator):
    def start(self, context):
        os.kill(os.getpid(), signal.SIGKILL)


with Workflow(name="{WORKFLOW}") as workflow:
    BashOperator(name="echo", bash_command="echo hello from bash; echo to stderr >&2")
    BashOperator(name="exit3", bash_command="exit 3")
    BashOperator(name="sleeper", bash_command="sleep {SLEEP_SECONDS}")
    BashOperator(name="sleeper_in_bash", bash_command="sleep {SLEEP_SECONDS}; echo woke")
    BashOperator(name="leaves_a_child", bash_command="sleep {SLEEP_SECONDS} & echo left")
    BashOperator(name="stubborn", bash_command="trap '' TERM; sleep {SLEEP_SECONDS}", stop_grace_period=0.5)
    BashOperator(name="slow", bash_command="sleep {SLEEP_SECONDS}", timeout=1)
    PythonOperator(name="crash", python_callable=crash)
    PythonOperator(name="greet", python_callable=greet)
    KillsItself(name="suicide")
    PythonOperator(name="leave_note", python_callable=leave_note)
    PythonOperator(name="read_note", python_callable=read_note)
    PythonOperator(name="keep_runtime", python_callable=keep_runtime)
    PythonOperator(name="looper", python_callable=loop_with_a_child)
    PythonOperator(name="python_exit3", python_callable=exit_3)
    # Task processes get no AIFLOW_* variable of the worker: the go file is named by a plain one.
    BashOperator(name="wait_for_go", bash_command='while [ ! -e "$TEST_GO_FILE" ]; do sleep 0.05; done')
"""

HELPERS_FILE = """
import logging
import os


def crash():
    os._exit(7)


def greet():
    with open("data.txt") as data:
        logging.getLogger("aiflow.task").info("greeting %s", data.read().strip())
"""


@pytest.fixture(scope="session")
def package() -> bytes:
    """The test workflow's package: the workflow file (:data:`ENTRY`), a module it imports and a data file."""
    files = {ENTRY: WORKFLOW_FILE, "helpers.py": HELPERS_FILE, "data.txt": "world\n"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    return buffer.getvalue()


@pytest.fixture
def snapshot_server(package: bytes) -> Iterator[SnapshotServer]:
    """Serves the test workflow as snapshot :data:`SNAPSHOT_ID`."""
    server = SnapshotServer()
    server.add(SNAPSHOT_ID, package, ENTRY)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def server_config(redis_url: str, snapshot_server: SnapshotServer, monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    """``aiflow_server.yaml`` as environment overrides, shared by the worker and the test."""
    overrides = {
        "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
        "AIFLOW_API_SERVER_ADDRESS": snapshot_server.address,
        "AIFLOW_WORKER_TOKEN": TOKEN,
        "AIFLOW_TASK_HEARTBEAT_INTERVAL": "1",
        "AIFLOW_TASK_HEARTBEAT_TIMEOUT": "3",
    }
    for name, value in overrides.items():
        monkeypatch.setenv(name, value)
    return load_server_config()


class WorkerProcess(AbstractContextManager["WorkerProcess"]):
    """A worker (by default ``celery -A workers worker``) in its own process group, with its output in a file.

    As a context manager it stops the worker on exit.
    """

    def __init__(self, log_file: Path, argv: list[str] | None = None) -> None:
        self.log_file = log_file
        argv = argv or [sys.executable, "-m", "celery", "-A", "workers", "worker", "--concurrency=2",
                        "--queues=aiflow", "--loglevel=INFO", "--without-mingle", "--without-gossip"]
        with log_file.open("wb") as output:
            self.popen = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(lambda: "ready." in log_file.read_text(), timeout=30, message="the worker to be ready")

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self) -> None:
        """Cold-stop the worker and whatever its pool left (task processes end with their supervisor)."""
        if self.alive():
            os.killpg(self.pid, signal.SIGQUIT)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()
        wait_until(lambda: not sleeping_processes(), message="task processes to end after the worker")

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@pytest.fixture
def worker(server_config: ServerConfig, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A running worker of the ``aiflow`` queue with two slots (threads)."""
    with WorkerProcess(tmp_path / "worker.log") as process:
        yield process


@pytest.fixture
def app(server_config: ServerConfig) -> Iterator[Celery]:
    """The producer side: the same app, used to enqueue jobs as the scheduler does."""
    celery = create_app(server_config)
    yield celery
    celery.close()


@dataclass(frozen=True)
class Jobs:
    """Enqueues start jobs of the test workflow's tasks, and stops them as the scheduler does."""

    app: Celery
    stopper: TryStopper

    @staticmethod
    def try_of(task_name: str, task_execution_id: int) -> StartTask:
        """The first try of a task execution of the test workflow."""
        return StartTask(task_execution_id, 1, workflow_execution_id=3, namespace="default",
                         workflow_name=WORKFLOW, task_name=task_name, snapshot_id=SNAPSHOT_ID, sequence_number=1)

    def start(self, task_name: str, task_execution_id: int) -> StartTask:
        """Enqueue the start of a new try."""
        return self.send_start(self.try_of(task_name, task_execution_id))

    def send_start(self, job: StartTask) -> StartTask:
        """Enqueue the start job of ``job`` with its try's token in its header, as the scheduler does."""
        self.app.send_task(START_TASK, kwargs=job.to_kwargs(), queue="aiflow",
                           headers={TRY_TOKEN_HEADER: try_token_of(job)})
        return job

    def stop(self, job: StartTask) -> None:
        """Carry out the stop of ``job``'s try on Redis, as the scheduler's dispatcher does."""
        self.stopper.stop([job.to_kwargs()])


@pytest.fixture
def jobs(app: Celery, bus: NotificationClient) -> Jobs:
    return Jobs(app, TryStopper(bus))


def try_token_of(job: StartTask) -> str:
    """The token the test's start jobs carry: of the try's form, signed by a key the test makes up."""
    return mint(b"workers-test-key", job.task_execution_id, job.try_number)


def statuses(bus: NotificationClient, job: StartTask) -> list[tuple[str, dict[str, object]]]:
    """The status events of one try: (status, context) in the order they were sent."""
    events = bus.list_events(key=task_status_event_key(job.task_name))
    found = [(event.value or "", json.loads(event.context or "{}")) for event in events]
    return [(value, context) for value, context in found
            if (context["task_execution_id"], context["try_number"]) == (job.task_execution_id, job.try_number)]


def wait_for_status(bus: NotificationClient, job: StartTask, status: str, timeout: float = 15) -> dict[str, object]:
    """Wait until the try reports ``status``; return the event's context."""
    found: Callable[[], list[dict[str, object]]] = lambda: [c for s, c in statuses(bus, job) if s == status]  # noqa: E731
    return wait_until(found, timeout=timeout, message=f"{job.task_name} to report {status}")[0]


def queue_drained(redis_url: str) -> bool:
    """Whether every job was taken and acknowledged (kombu keeps unacknowledged ones in ``unacked``)."""
    client = redis.Redis.from_url(redis_url)
    try:
        return client.llen("aiflow") == 0 and client.hlen("unacked") == 0
    finally:
        client.close()


def sleeping_processes() -> list[psutil.Process]:
    """The processes of this module's sleeping tasks still alive."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = process.info["cmdline"] or []
        if process.info["status"] != psutil.STATUS_ZOMBIE and cmdline[:1] == ["sleep"] and SLEEP_SECONDS in cmdline:
            found.append(process)
    return found
