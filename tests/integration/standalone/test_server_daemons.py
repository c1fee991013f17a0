"""``aiflow server start -d | stop`` and ``aiflow webserver start -d | stop`` against a daemon notification server.

The server daemon restarts a part that dies; ``stop`` still ends every part.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from aiflow.cli.server import server_pid_file, webserver_pid_file
from aiflow.config import load_server_config
from tests.support import free_port, port_is_open, wait_until


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], env=env, capture_output=True, text=True, timeout=180)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment of a machine whose notification server runs as a daemon on a free port."""
    redis_port, api_port = free_port(), free_port()
    env = {**os.environ, "NOTIFICATION_SERVER_PORT": str(redis_port), "AIFLOW_REST_PORT": str(api_port),
           "AIFLOW_NOTIFICATION_SERVER_URI": f"redis://127.0.0.1:{redis_port}/0",
           "AIFLOW_API_SERVER_ADDRESS": f"http://127.0.0.1:{api_port}", "AIFLOW_LOCAL_EXECUTOR_PARALLELISM": "2"}
    assert run(env, "notification", "server", "start", "-d").returncode == 0
    assert run(env, "aiflow", "db", "init").returncode == 0
    yield env
    run(env, "aiflow", "server", "stop")
    run(env, "aiflow", "webserver", "stop")
    assert run(env, "notification", "server", "stop").returncode == 0


def started_pid(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    match = re.search(r"running in the background \(pid (\d+)\)", result.stdout)
    assert match, result.stdout
    return int(match.group(1))


def health(env: dict[str, str]) -> int:
    return requests.get(f"{env['AIFLOW_API_SERVER_ADDRESS']}/api/v1/health", timeout=5).status_code


@pytest.mark.parametrize("command", ["server", "webserver"])
def test_daemon_start_twice_then_stop_leaves_nothing(env: dict[str, str], command: str) -> None:
    pid = started_pid(run(env, "aiflow", command, "start", "-d"))
    processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    assert health(env) == 200

    again = run(env, "aiflow", command, "start", "-d")
    assert again.returncode == 1
    assert "already running" in again.stderr and len(again.stderr.strip().splitlines()) == 1

    stopped = run(env, "aiflow", command, "stop")
    assert stopped.returncode == 0 and f"(pid {pid}) stopped" in stopped.stdout
    _, alive = psutil.wait_procs(processes, timeout=5)
    assert alive == []
    assert not port_is_open(int(env["AIFLOW_REST_PORT"]))
    assert "is not running" in run(env, "aiflow", command, "stop").stdout


def test_server_start_needs_the_notification_server(env: dict[str, str]) -> None:
    assert run(env, "notification", "server", "stop").returncode == 0

    result = run(env, "aiflow", "server", "start", "-d")

    assert result.returncode == 1
    assert result.stderr.startswith("Error: the notification server at redis://127.0.0.1:")
    assert "notification server start -d" in result.stderr
    assert run(env, "notification", "server", "start", "-d").returncode == 0


def test_the_server_daemon_restarts_a_killed_api_server_and_stop_still_ends_everything(env: dict[str, str]) -> None:
    pid = started_pid(run(env, "aiflow", "server", "start", "-d"))
    supervisor = psutil.Process(pid)
    (api,) = (child for child in supervisor.children() if "webserver" in child.cmdline())
    others = {child.pid for child in supervisor.children()} - {api.pid}
    processes = [supervisor, *supervisor.children(recursive=True)]
    log = Path(load_server_config().log_dir) / "aiflow_server.log"

    api.kill()
    successor = wait_until(lambda: re.findall(r"api: ready \(pid (\d+)\)", log.read_text())[1:], timeout=60,
                           interval=0.1, message="the API server to be restarted")

    assert f"api (pid {api.pid}) exited (killed by SIGKILL); restarting it in 1s" in log.read_text()
    assert {child.pid for child in supervisor.children()} == {*others, int(successor[0])}
    assert server_pid_file().running_pid() == pid
    assert webserver_pid_file().running_pid() == int(successor[0])
    assert health(env) == 200
    processes += supervisor.children(recursive=True)
    stopped = run(env, "aiflow", "server", "stop")
    assert stopped.returncode == 0 and f"(pid {pid}) stopped" in stopped.stdout
    assert psutil.wait_procs(processes, timeout=5)[1] == []
    assert server_pid_file().running_pid() is None and webserver_pid_file().running_pid() is None
    assert not port_is_open(int(env["AIFLOW_REST_PORT"]))
