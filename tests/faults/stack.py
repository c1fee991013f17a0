"""A whole AIFlow on one machine for fault injection, every part a real process of its own.

:class:`Stack` runs the API server (``aiflow webserver start``: gunicorn), the scheduler
(``aiflow scheduler``) and a worker (``aiflow worker``) against a Redis and a database it is
given, each from the product's own command with its configuration in the environment, its
output in a log file and its process group of its own. A test injects faults into Redis and the
database directly and talks to the stack through its REST API (:class:`Api`), as users do.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import requests

from tests.support import free_port, wait_until

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0
_ENV_PREFIXES = ("AIFLOW_", "NOTIFICATION_")


class Service:
    """One long-running process of the stack, in its own process group, its output in ``log_file``."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_file: Path,
                 stop_signal: signal.Signals = signal.SIGTERM) -> None:
        self.name = name
        self.log_file = log_file
        self._stop_signal = stop_signal
        with log_file.open("ab") as output:
            self.popen = subprocess.Popen(argv, env=dict(env), stdout=output, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def wait_ready(self, ready: Callable[[], bool], timeout: float = START_TIMEOUT_S) -> None:
        """Wait until ``ready()``; fail at once, with the log's end, if the process exits first."""
        def ready_or_dead() -> bool:
            if not self.alive():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}) while starting:\n"
                                     f"{self.log()[-4000:]}")
            return ready()

        wait_until(ready_or_dead, timeout=timeout, interval=0.1, message=f"{self.name} to be ready")

    def stop(self) -> None:
        """Ask the process group to stop; kill it if it has not within :data:`STOP_TIMEOUT_S`."""
        if self.alive():
            os.killpg(self.popen.pid, self._stop_signal)
            try:
                self.popen.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()
        try:  # what the group leader left behind (task processes, evaluators) goes with it
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Api:
    """A client of the stack's REST API: plain requests, so every status code and body can be checked."""

    def __init__(self, address: str, token: str | None = None) -> None:
        self.base_url = f"{address}/api/v1"
        self._session = requests.Session()
        if token is not None:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self._session.request(method, self.base_url + path, **{"timeout": 60, **kwargs})

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.call("POST", path, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a request that must succeed; return its JSON body."""
        response = self.call(method, path, **kwargs)
        assert response.ok, (method, path, response.status_code, response.text[:2000])
        return response.json() if response.content else None

    def upload(self, namespace: str, files: Mapping[str, str | bytes], entry: str | None = None) -> requests.Response:
        """Upload a package of ``files`` (name -> content) to ``namespace``."""
        data = {"entry": entry} if entry else {}
        return self.post(f"/namespaces/{namespace}/workflows", files={"package": ("package.zip", zipped(files))},
                         data=data)

    def execution(self, execution_id: int) -> dict[str, Any]:
        return dict(self.ok("GET", f"/workflow-executions/{execution_id}"))

    def task_executions(self, execution_id: int) -> list[dict[str, Any]]:
        return list(self.ok("GET", f"/workflow-executions/{execution_id}/task-executions")["items"])

    def start(self, namespace: str, workflow: str) -> int:
        return int(self.ok("POST", f"/namespaces/{namespace}/workflows/{workflow}/executions")["id"])

    def rejected_events(self) -> list[dict[str, Any]]:
        return list(self.ok("GET", "/rejected-events", params={"limit": 1000})["items"])

    def answers(self) -> bool:
        try:
            return self.get("/health", timeout=2).ok
        except requests.RequestException:
            return False

    def close(self) -> None:
        self._session.close()


def zipped(files: Mapping[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def clean_environment(folder: Path, settings: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without AIFlow's variables, plus homes in ``folder`` and ``settings``."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(_ENV_PREFIXES) or name.startswith("AIFLOW_TEST_")}
    env.update({"AIFLOW_HOME": str(folder / "home"), "NOTIFICATION_HOME": str(folder / "notification"),
                "PYTHONUNBUFFERED": "1", **settings})
    return env


def aiflow(*args: str) -> list[str]:
    """The argv of ``aiflow ARGS`` with this interpreter."""
    return [sys.executable, "-P", "-m", "aiflow", *args]


class Stack:
    """The API server, the scheduler and a worker on ``redis_url`` and ``database_url``.

    ``settings`` are more configuration keys (``AIFLOW_...`` variables); the defaults make task
    liveness quick to judge (heartbeat every second, dead after 3 s). ``token`` is what :attr:`api` sends.
    """

    def __init__(self, folder: Path, redis_url: str, database_url: str, concurrency: int = 2,
                 token: str | None = None, **settings: str) -> None:
        self.folder = folder
        self.concurrency = concurrency
        port = free_port()
        self.address = f"http://127.0.0.1:{port}"
        self.env = clean_environment(folder, {
            "AIFLOW_METADATA_BACKEND_URI": database_url,
            "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
            "AIFLOW_REST_PORT": str(port),
            "AIFLOW_API_SERVER_ADDRESS": self.address,
            "AIFLOW_SERVER_ADDRESS": self.address,
            "AIFLOW_BLOB_STORE_URI": str(folder / "blob"),
            "AIFLOW_LOG_DIR": str(folder / "logs"),
            "AIFLOW_TASK_HEARTBEAT_INTERVAL": "1",
            "AIFLOW_TASK_HEARTBEAT_TIMEOUT": "3",
            "AIFLOW_TASK_EXECUTOR_HEARTBEAT_CHECK_INTERVAL": "1",
            "AIFLOW_SCHEDULER_LEASE_PERIOD": "3",
            **settings,
        })
        self.api = Api(self.address, token)
        self.services: dict[str, Service] = {}
        self._restarts = 0

    def start(self) -> Stack:
        """Start the API server, the scheduler and the worker, each once the one before serves."""
        api = self._service("api", aiflow("webserver", "start"))
        api.wait_ready(self.api.answers)
        self.start_scheduler()
        worker = self._service("worker", aiflow("worker", f"--concurrency={self.concurrency}"), signal.SIGQUIT)
        worker.wait_ready(lambda: " ready." in worker.log())
        return self

    def start_scheduler(self) -> Service:
        """Start the scheduler (again); return it once it leads and has recovered."""
        self._restarts += 1
        scheduler = self._service("scheduler", aiflow("scheduler"), log_name=f"scheduler-{self._restarts}")
        scheduler.wait_ready(lambda: "Scheduler: resuming after offset" in scheduler.log())
        return scheduler

    def restart_scheduler(self) -> Service:
        """Stop the scheduler (its lease released) and start a new one."""
        self.services["scheduler"].stop()
        return self.start_scheduler()

    def dead(self) -> list[str]:
        """The services that have exited, with their exit codes."""
        return [f"{name} ({service.popen.returncode})" for name, service in self.services.items()
                if not service.alive()]

    def close(self) -> None:
        """Stop the worker, the scheduler and the API server, in that order (its keep-alive connections closed)."""
        self.api.close()
        for name in ("worker", "scheduler", "api"):
            if name in self.services:
                self.services[name].stop()

    def _service(self, name: str, argv: list[str], stop_signal: signal.Signals = signal.SIGTERM,
                 log_name: str | None = None) -> Service:
        logs = self.folder / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        service = Service(name, argv, self.env, logs / f"{log_name or name}.out", stop_signal)
        self.services[name] = service
        return service
