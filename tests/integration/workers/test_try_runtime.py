"""What a try's process is told: the API server and its try's token, which no log shows; no Redis URL."""

from __future__ import annotations

import json
from pathlib import Path

from aiflow.config import ServerConfig
from notification.client import NotificationClient
from tests.integration.workers.conftest import Jobs, WorkerProcess, try_token_of, wait_for_status
from tests.integration.workers.snapshot_server import SnapshotServer
from workers.logs import log_path


def test_the_runtime_names_the_api_server_and_holds_the_tries_token_only(
    worker: WorkerProcess, jobs: Jobs, bus: NotificationClient, server_config: ServerConfig,
    snapshot_server: SnapshotServer,
) -> None:
    job = jobs.start("keep_runtime", task_execution_id=61)
    wait_for_status(bus, job, "SUCCESS")

    run_folder = Path(server_config.worker_work_dir) / "runs" / str(job.workflow_execution_id)
    kept = (run_folder / "runtime.json").read_text()
    runtime = json.loads(kept)
    assert runtime == {
        "api_address": snapshot_server.address, "try_token": try_token_of(job), "namespace": "default",
        "workflow_name": job.workflow_name, "workflow_execution_id": job.workflow_execution_id,
        "task_name": "keep_runtime", "task_execution_id": 61, "try_number": 1, "run_folder": str(run_folder),
    }
    assert "redis" not in kept
    logs = worker.log_file.read_text() + log_path(Path(server_config.log_dir), job).read_text()
    assert job.describe() in logs or "keep_runtime" in logs
    assert try_token_of(job) not in logs
