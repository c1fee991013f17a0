"""Flower, started as the Procfile starts it, lists the worker and shows aiflow jobs readably."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from notification.client import NotificationClient
from tests.integration.workers.conftest import Jobs, WorkerProcess, try_token_of, wait_for_status
from tests.support import free_port, port_is_open, wait_until


@pytest.fixture
def flower(worker: WorkerProcess, tmp_path: Path) -> Iterator[str]:
    """``celery -A workers flower`` on a free port; yields its base URL."""
    port = free_port()
    argv = [sys.executable, "-m", "celery", "-A", "workers", "flower", f"--port={port}", "--address=127.0.0.1"]
    env = {**os.environ, "FLOWER_UNAUTHENTICATED_API": "true"}
    with (tmp_path / "flower.log").open("wb") as output:
        process = subprocess.Popen(argv, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: port_is_open(port), timeout=30, message="Flower to listen")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _aiflow_jobs(flower: str) -> list[dict[str, Any]]:
    tasks = _get(f"{flower}/api/tasks").values()
    return [task for task in tasks if task["name"] == "aiflow.start_task" and task["state"] == "SUCCESS"]


def test_flower_shows_the_worker_and_its_aiflow_jobs(
    flower: str, jobs: Jobs, bus: NotificationClient, worker: WorkerProcess
) -> None:
    alive = wait_until(lambda: [name for name, up in _get(f"{flower}/api/workers?status=true").items() if up],
                       timeout=15, message="Flower to hear from the worker")
    # The worker sends no task events until Flower turns them on (its timer fires every 5 s).
    wait_until(lambda: "Events of group {task} enabled by remote" in worker.log_file.read_text(), timeout=20,
               message="Flower to turn the worker's task events on")
    job = jobs.start("echo", task_execution_id=31)
    wait_for_status(bus, job, "SUCCESS")

    (shown,) = wait_until(lambda: _aiflow_jobs(flower), timeout=15, message="Flower to show the job")

    assert shown["worker"] in alive
    for name, value in [("workflow_name", "jobs"), ("task_name", "echo"), ("task_execution_id", 31)]:
        assert f"'{name}': {value!r}" in shown["kwargs"]
    shown_anywhere = json.dumps(_get(f"{flower}/api/task/info/{shown['uuid']}")) + json.dumps(shown)
    assert try_token_of(job) not in shown_anywhere  # the try's token travels in a header Flower does not show
