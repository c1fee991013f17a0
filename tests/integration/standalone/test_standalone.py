"""``aiflow standalone``: first run, what it prints, Ctrl-C, the refusal to start twice, private files."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import psutil
import requests

from aiflow import ops
from aiflow.config import aiflow_home, load_client_config, load_server_config
from aiflow.launcher.first_run import ADMIN_TOKEN_NAME, WORKER_TOKEN_NAME
from aiflow.model.status import WorkflowStatus
from notification.config import notification_home
from tests.integration.standalone.conftest import StandaloneProcess
from tests.support import port_is_open, wait_for_execution, wait_until
from web.auth import hash_token

QUICKSTART = Path(__file__).resolve().parents[3] / "samples" / "quickstart" / "quickstart.py"


def test_first_run_writes_a_token_the_cli_uses(standalone: StandaloneProcess) -> None:
    token = load_client_config().token
    summary = standalone.output.read_text()

    assert token and f"admin token   {token}" in summary
    assert f"http://127.0.0.1:{standalone.api_port}" in summary
    assert f"127.0.0.1:{standalone.redis_port}" in summary
    url = f"http://127.0.0.1:{standalone.api_port}/api/v1/namespaces"
    assert requests.get(url, timeout=5).status_code == 401
    assert [n.name for n in ops.list_namespace() or []] == ["default"]


def test_first_run_gives_the_worker_a_worker_token_of_its_own(standalone: StandaloneProcess) -> None:
    config = load_server_config()
    admin_token = load_client_config().token
    worker = {"Authorization": f"Bearer {config.worker_token}"}

    assert config.worker_token and config.worker_token != admin_token
    assert config.api_tokens == {
        ADMIN_TOKEN_NAME: {"token_sha256": hash_token(admin_token or ""), "role": "admin"},
        WORKER_TOKEN_NAME: {"token_sha256": hash_token(config.worker_token), "role": "worker"},
    }
    base = f"http://127.0.0.1:{standalone.api_port}/api/v1"
    assert requests.get(f"{base}/namespaces", headers=worker, timeout=5).status_code == 403
    assert requests.get(f"{base}/snapshots/1", headers=worker, timeout=5).status_code == 404  # none uploaded yet


def test_every_file_and_folder_of_the_homes_is_private(standalone: StandaloneProcess) -> None:
    """A workflow runs (the worker fetches its package with the worker token); nothing is group/other readable."""
    ops.upload_workflows(str(QUICKSTART))
    execution_id = ops.start_workflow_execution("quickstart_workflow")
    assert wait_for_execution(execution_id, timeout=90).status == WorkflowStatus.SUCCESS
    assert standalone.interrupt() == 0

    homes = [aiflow_home(), notification_home()]
    walked = [path for home in homes for path in (home, *home.rglob("*"))]
    shared = [f"{path} {stat.filemode(path.lstat().st_mode)}" for path in walked
              if not path.is_symlink() and path.lstat().st_mode & 0o077]

    assert shared == []
    names = {path.name for path in walked}
    assert {"aiflow.db", "aiflow_server.yaml", "aiflow_client.yaml", "redis.password", "blob", "worker"} <= names
    assert any(path.suffix == ".log" for path in walked if "task1" in str(path))


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
