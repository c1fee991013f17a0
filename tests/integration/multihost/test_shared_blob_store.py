"""Three hosts sharing an S3 store (moto's server, a process on host ``a``): packages and files between hosts.

The API server on ``a`` stores packages in the store. Host ``b``'s worker is configured with the same store and
reads packages from it; host ``c``'s knows nothing of it and gets them through the API. A task on ``b`` uploads
a file with the blob manager of its project (``project.yaml``, the project's own credentials, files in
``s3://<bucket>/shared``), and a task on ``c`` downloads it and checks its content.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import botocore.exceptions
import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.blob_servers import S3_PROJECT, create_bucket, file_passing_workflow
from tests.faults.stack import Service, clean_environment
from tests.integration.multihost.conftest import Deployment, deployed
from tests.integration.multihost.hosts import Network
from tests.integration.stack.conftest import write_workflow
from tests.support import task_statuses, wait_for_execution

S3_PORT = 9000
BUCKET = "aiflow-shared"
SERVER_SECRET = "server-side-secret"
CONTENT = "made on host b"


def bucket_created(endpoint: str) -> bool:
    try:
        create_bucket(endpoint, BUCKET)
    except botocore.exceptions.EndpointConnectionError:
        return False
    return True


@pytest.fixture
def s3_endpoint(network: Network) -> Iterator[str]:
    """moto's S3 server running on host ``a``, with the bucket :data:`BUCKET`."""
    a = network["a"]
    argv = a.command([str(Path(sys.executable).parent / "moto_server"), "-H", a.address, "-p", str(S3_PORT)])
    server = Service("s3@a", argv, clean_environment(a.folder, {}), a.folder / "s3.out")
    endpoint = f"http://{a.address}:{S3_PORT}"
    try:
        server.wait_ready(lambda: bucket_created(endpoint))
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def deployment(network: Network, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    """The hosts with packages in the S3 store; host ``c`` is not told of it."""
    store = {"blob_store_uri": f"s3://{BUCKET}/packages",
             "blob_store_options": {"endpoint_url": s3_endpoint, "key": "server-key", "secret": SERVER_SECRET}}
    with deployed(network, monkeypatch, {"a": store, "b": store}) as running:
        yield running


def test_a_file_uploaded_by_a_task_on_one_host_is_downloaded_by_a_task_on_another(
    deployment: Deployment, s3_endpoint: str, tmp_path: Path
) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(S3_PROJECT.format(bucket=BUCKET, endpoint_url=s3_endpoint), encoding="utf-8")
    workflow = file_passing_workflow("across_hosts", CONTENT, ', queue="host-b"', ', queue="host-c"')
    ops.upload_workflows(write_workflow(tmp_path, workflow), [str(project)])
    snapshot = (ops.list_workflow_snapshots("across_hosts") or [])[-1]
    assert snapshot.uri == f"s3://{BUCKET}/packages/packages/{snapshot.content_hash}.zip"

    execution_id = ops.start_workflow_execution("across_hosts")

    assert wait_for_execution(execution_id, timeout=60).status == WorkflowStatus.SUCCESS, task_statuses(execution_id)
    consume = next(t for t in ops.list_task_executions(execution_id) or [] if t.task_name == "consume")
    assert f"downloaded: {CONTENT}" in "".join(ops.task_execution_log_lines(consume.id))
    assert task_statuses(execution_id) == {"produce": TaskStatus.SUCCESS, "consume": TaskStatus.SUCCESS}
    b, c = (deployment.services[f"worker@{name}"].log() for name in ("b", "c"))
    assert f"package read from the blob store {snapshot.uri}" in b
    assert "read from the blob store" not in c  # host c got it through the API
    assert SERVER_SECRET not in b + c
