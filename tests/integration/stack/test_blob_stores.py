"""The stack with its packages in S3 (moto's server): the worker reads them from S3, and tasks pass a file
through the blob manager of their project.

The API server stores packages with the server's credentials; the worker, with its own empty work folder,
reads the package straight from the store; the tasks use the project's own credentials from the
``project.yaml`` uploaded with the workflow, as the spec's "Using Blob Manager in a Workflow" shows.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from aiflow import ops
from aiflow.blob_store import StoreLocation
from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.blob_servers import S3_PROJECT, S3Server, file_passing_workflow
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import WorkerProcess
from tests.support import task_statuses, wait_for_execution

CONTENT = "hello from the first task"


@pytest.fixture
def stack_config(stack_config: ServerConfig, s3_server: S3Server, s3_bucket: str, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    """The stack's configuration with packages in S3, under the server's own credentials."""
    monkeypatch.setenv("AIFLOW_BLOB_STORE_URI", f"s3://{s3_bucket}/aiflow")
    monkeypatch.setenv("AIFLOW_BLOB_STORE_OPTIONS", json.dumps(s3_server.options(key="server-key",
                                                                                 secret="server-secret")))
    monkeypatch.setenv("AIFLOW_WORKER_WORK_DIR", str(tmp_path / "worker-host"))
    return load_server_config()


def test_packages_live_in_s3_the_worker_reads_them_there_and_tasks_pass_a_file_through_the_blob_manager(
    stack: WorkerProcess, stack_config: ServerConfig, s3_server: S3Server, s3_bucket: str, tmp_path: Path
) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(S3_PROJECT.format(bucket=s3_bucket, endpoint_url=s3_server.endpoint_url), encoding="utf-8")
    ops.upload_workflows(write_workflow(tmp_path, file_passing_workflow("pass_a_file", CONTENT)), [str(project)])
    snapshot = (ops.list_workflow_snapshots("pass_a_file") or [])[-1]
    store = StoreLocation(stack_config.blob_store_uri, stack_config.blob_store_options).open()
    assert snapshot.uri == store.uri_of(f"packages/{snapshot.content_hash}.zip")
    package = store.get(f"packages/{snapshot.content_hash}.zip")
    assert hashlib.sha256(package).hexdigest() == snapshot.content_hash

    execution_id = ops.start_workflow_execution("pass_a_file")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS, task_statuses(execution_id)
    assert task_statuses(execution_id) == {"produce": TaskStatus.SUCCESS, "consume": TaskStatus.SUCCESS}
    consume = next(t for t in ops.list_task_executions(execution_id) or [] if t.task_name == "consume")
    assert f"downloaded: {CONTENT}" in "".join(ops.task_execution_log_lines(consume.id))
    shared = StoreLocation(f"s3://{s3_bucket}/shared", s3_server.options()).open()
    assert shared.get("passed.txt") == CONTENT.encode()
    worker_log = stack.log_file.read_text()
    assert f"package read from the blob store {snapshot.uri}" in worker_log
    assert "server-secret" not in worker_log
