"""``aiflow standalone``: first run, what it prints, Ctrl-C, and the refusal to start twice."""

from __future__ import annotations

import subprocess
import sys

import psutil
import requests

from aiflow import ops
from aiflow.config import load_client_config
from tests.integration.standalone.conftest import StandaloneProcess
from tests.support import port_is_open, wait_until


def test_first_run_writes_a_token_the_cli_uses(standalone: StandaloneProcess) -> None:
    token = load_client_config().token
    summary = standalone.output.read_text()

    assert token and f"admin token   {token}" in summary
    assert f"http://127.0.0.1:{standalone.api_port}" in summary
    assert f"127.0.0.1:{standalone.redis_port}" in summary
    url = f"http://127.0.0.1:{standalone.api_port}/api/v1/namespaces"
    assert requests.get(url, timeout=5).status_code == 401
    assert [n.name for n in ops.list_namespace() or []] == ["default"]


def test_ctrl_c_leaves_no_process_and_no_port(standalone: StandaloneProcess) -> None:
    processes = standalone.processes()
    names = " ".join(" ".join(p.cmdline()) for p in processes)
    assert all(part in names for part in ("redis-server", "scheduler", "worker", "webserver"))

    assert standalone.interrupt() == 0

    gone, alive = psutil.wait_procs(processes, timeout=10)
    assert alive == []
    assert not port_is_open(standalone.api_port)
    assert not port_is_open(standalone.redis_port)


def test_a_second_start_is_refused(standalone: StandaloneProcess) -> None:
    second = subprocess.run([sys.executable, "-m", "aiflow", "standalone"], env=standalone.env,
                            capture_output=True, text=True, timeout=60)

    assert second.returncode == 1
    assert second.stderr.strip().splitlines() == [
        f"Error: AIFlow is already running (pid {standalone.popen.pid}); stop it first"]
    wait_until(lambda: port_is_open(standalone.api_port), timeout=5, message="the first one to keep serving")
