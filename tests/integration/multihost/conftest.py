"""AIFlow deployed on three hosts of this machine, each process started from its line of the Procfile.

Host ``a`` runs Redis (``notification server start``), the API server and the scheduler, with the
SQLite database in its ``AIFLOW_HOME``; hosts ``b`` and ``c`` each run a worker. Every host has its
own ``AIFLOW_HOME``, ``NOTIFICATION_HOME``, work and log folders, and a ``data`` folder for its
tasks (named by ``MULTIHOST_DATA``); the configuration of ``b`` and ``c`` names nothing of ``a``
but its address, the Redis password and the worker token. The test process is the operator: it
reaches the API server through the bridge with an admin token, as ``aiflow.ops`` does.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from aiflow.metadata import create_engine
from aiflow.metadata.queries.timeline import list_timeline
from aiflow.metadata.session import session_scope
from notification.config import CONFIG_FILE as NOTIFICATION_CONFIG_FILE
from notification.config import PASSWORD_FILE
from tests.faults.stack import Api, Service, clean_environment
from tests.integration.multihost.hosts import Host, Network, unavailable_reason
from web.auth import hash_token

PROCFILE = Path(__file__).parents[3] / "Procfile"
PLACES = {"redis": ("a",), "api": ("a",), "scheduler": ("a",), "worker": ("b", "c")}
"""Which hosts run each process of the Procfile; ``flower`` is optional and not started."""
OPTIONAL = {"flower"}
WORKER_QUEUES = {"b": "host-b,shared", "c": "host-c,shared"}
WORKER_SLOTS = 2
REDIS_PORT = 6379  # every host has its own ports: the defaults of a deployment will do
API_PORT = 8000
HEARTBEAT = {"task_heartbeat_interval": 1, "task_heartbeat_timeout": 3, "task_executor_heartbeat_check_interval": 1}
"""Heartbeat settings of every host: a beat a second, a try lost after 3 s, checked every second."""


def procfile_commands(path: Path = PROCFILE) -> dict[str, list[str]]:
    """The Procfile's processes: name -> argv."""
    commands = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            commands[name.strip()] = shlex.split(command)
    return commands


def worker_name(host: Host) -> str:
    """The name the worker of ``host`` runs as, which the metadata records for each try it claims."""
    return f"worker@host-{host.name}"


class Deployment:
    """The Procfile's processes on the hosts of ``network``, configured by files in each host's homes."""

    def __init__(self, network: Network, commands: Mapping[str, list[str]],
                 settings: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self.network = network
        self.commands = commands
        self.settings = settings or {}
        """Keys of ``aiflow_server.yaml`` to add, by host name."""
        self.a = network["a"]
        self.address = f"http://{self.a.address}:{API_PORT}"
        self.admin_token = secrets.token_urlsafe(16)
        self.worker_token = secrets.token_urlsafe(16)
        self.api = Api(self.address, self.admin_token)
        self.services: dict[str, Service] = {}
        self._path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}"

    def start(self) -> Deployment:
        """Start Redis, then the API server, the scheduler and both workers, and wait until each serves."""
        for host in self.network.hosts.values():
            self.data(host).mkdir()
            self.data(host).chmod(0o777)  # tasks may run as task_user
        self._configure_a()
        redis = self._start("redis", self.a)
        redis.wait_ready(says(redis, "Notification server listening"))
        self._run_once(self.a, ["aiflow", "db", "init"])
        api = self._start("api", self.a)
        scheduler = self._start("scheduler", self.a)
        workers = []
        for name in PLACES["worker"]:
            host = self.network[name]
            self._configure_worker(host)
            workers.append(self._start("worker", host, "-Q", WORKER_QUEUES[name], "-c", str(WORKER_SLOTS),
                                       "-n", worker_name(host)))
        api.wait_ready(self.api.answers)
        scheduler.wait_ready(says(scheduler, "Scheduler: resuming after offset"))
        for worker in workers:
            worker.wait_ready(says(worker, " ready."))
        return self

    def close(self) -> None:
        """Stop the workers, the scheduler, the API server and Redis, in that order."""
        self.api.close()
        for service in reversed(self.services.values()):
            service.stop()

    def data(self, host: Host) -> Path:
        """The folder of ``host`` its tasks write into."""
        return host.folder / "data"

    def engine(self) -> Engine:
        """An engine on host ``a``'s database (the caller disposes of it)."""
        return create_engine(f"sqlite:///{self.a.folder / 'home' / 'aiflow.db'}")

    def _configure_a(self) -> None:
        write_yaml(self.a.folder / "notification" / NOTIFICATION_CONFIG_FILE,
                   {"server_port": REDIS_PORT, "bind_address": self.a.address})
        write_yaml(self.a.folder / "home" / "aiflow_server.yaml", {
            "rest_bind_address": self.a.address,
            "rest_port": API_PORT,
            "notification_server_uri": f"redis://{self.a.address}:{REDIS_PORT}/0",  # the password: its file
            "api_tokens": {"operator": {"token_sha256": hash_token(self.admin_token), "role": "admin"},
                           "workers": {"token_sha256": hash_token(self.worker_token), "role": "worker"}},
            **HEARTBEAT,
            **self.settings.get("a", {}),
        })

    def _configure_worker(self, host: Host) -> None:
        password = (self.a.folder / "notification" / PASSWORD_FILE).read_text(encoding="utf-8").strip()
        write_yaml(host.folder / "home" / "aiflow_server.yaml", {
            "notification_server_uri": f"redis://:{password}@{self.a.address}:{REDIS_PORT}/0",
            "api_server_address": self.address,
            "worker_token": self.worker_token,
            **HEARTBEAT,
            **self.settings.get(host.name, {}),
        })

    def _environment(self, host: Host) -> dict[str, str]:
        """The environment of the host's processes: its own homes, the venv first on PATH (a Procfile runner's)."""
        return clean_environment(host.folder, {"PATH": self._path, "MULTIHOST_DATA": str(self.data(host))})

    def _argv(self, argv: list[str]) -> list[str]:
        program = shutil.which(argv[0], path=self._path)
        assert program, f"{argv[0]} is not installed next to {sys.executable}"
        return [program, *argv[1:]]

    def _start(self, process: str, host: Host, *extra: str) -> Service:
        output = host.folder / "output"
        output.mkdir(exist_ok=True)
        argv = host.command(self._argv([*self.commands[process], *extra]))
        stop_signal = signal.SIGQUIT if process == "worker" else signal.SIGTERM  # a worker's cold stop
        service = Service(f"{process}@{host.name}", argv, self._environment(host), output / f"{process}.out",
                          stop_signal)
        self.services[service.name] = service
        return service

    def _run_once(self, host: Host, argv: list[str]) -> None:
        result = subprocess.run(host.command(self._argv(argv)), env=self._environment(host), capture_output=True,
                                text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert result.returncode == 0, f"{shlex.join(argv)} on host {host.name}: {result.stderr}"


def says(service: Service, text: str) -> Callable[[], bool]:
    """Whether the output of ``service`` holds ``text`` yet."""
    return lambda: text in service.log()


def write_yaml(path: Path, values: Mapping[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(values), sort_keys=False), encoding="utf-8")


def claimed_by(deployment: Deployment, execution_id: int) -> dict[tuple[str, int], str]:
    """The worker that ran each try of the execution, by (task name, try number), as the metadata records it."""
    engine = deployment.engine()
    try:
        with session_scope(engine) as session:
            return {(name, step.try_number): step.worker for step, name in list_timeline(session, execution_id)
                    if step.worker}
    finally:
        engine.dispose()


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Network]:
    """Hosts ``a``, ``b`` and ``c`` on a bridge; skipped where network namespaces cannot be made."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"a multi-host test needs network namespaces: {reason}")
    with Network(tmp_path / "hosts", ("a", "b", "c")) as hosts:
        yield hosts


@contextmanager
def deployed(network: Network, monkeypatch: pytest.MonkeyPatch,
             settings: Mapping[str, Mapping[str, Any]] | None = None) -> Iterator[Deployment]:
    """Run the Procfile's processes on the hosts, with ``settings`` added by host; ``aiflow.ops`` talks to host
    ``a`` as the operator."""
    commands = procfile_commands()
    assert set(commands) - OPTIONAL == set(PLACES), f"the Procfile names processes the test does not place: {commands}"
    running = Deployment(network, commands, settings)
    monkeypatch.setenv("AIFLOW_SERVER_ADDRESS", running.address)
    monkeypatch.setenv("AIFLOW_TOKEN", running.admin_token)
    try:
        yield running.start()
    finally:
        running.close()


@pytest.fixture
def deployment(network: Network, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """The Procfile's processes running on the hosts with the default settings."""
    with deployed(network, monkeypatch) as running:
        yield running
