"""Three hosts sharing an S3 store (moto's server, a process on host ``a``): packages and files between hosts.

The API server on ``a`` stores packages in the store. Host ``b``'s worker is configured with the same store and
reads packages from it; host ``c``'s knows nothing of it and gets them through the API. A task on ``b`` uploads
a file with the blob manager of its project (``project.yaml``, the project's own credentials), and a task on
``c`` downloads it and checks its content.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore.exceptions
import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.faults.stack import Service, clean_environment
from tests.integration.multihost.conftest import Deployment, deployed
from tests.integration.multihost.hosts import Network
from tests.integration.stack.conftest import write_workflow
from tests.support import task_statuses, wait_for_execution

S3_PORT = 9000
BUCKET = "aiflow-shared"
SERVER_SECRET = "server-side-secret"
CONTENT = "made on host b"

WORKFLOW = f'''
import os, tempfile
from ai_flow.context.project_context import current_project_config
from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator
from ai_flow.plugin_interface.blob_manager_interface import BlobConfig, BlobManagerFactory
from ai_flow.workflow.workflow import WorkflowPropertyKeys


def blob_manager():
    blob_config = BlobConfig(current_project_config().get(WorkflowPropertyKeys.BLOB))
    return BlobManagerFactory.create_blob_manager(blob_config.blob_manager_class(),
                                                  blob_config.blob_manager_config())


def upload():
    path = os.path.join(tempfile.mkdtemp(), "made.txt")
    with open(path, "w") as out:
        out.write("{CONTENT}")
    print("uploaded", blob_manager().upload(path))


def download():
    with open(blob_manager().download("made.txt", tempfile.mkdtemp())) as file:
        text = file.read()
    assert text == "{CONTENT}", text
    print("downloaded:", text)


with Workflow(name="across_hosts") as workflow:
    up = PythonOperator(name="upload", python_callable=upload, queue="host-b")
    down = PythonOperator(name="download", python_callable=download, queue="host-c")
    down.start_after(up)
'''

PROJECT = '''
blob:
  blob_manager_class: ai_flow.blob_manager.impl.s3_blob_manager.S3BlobManager
  blob_manager_config: {{bucket: {bucket}, root_directory: files, endpoint_url: "{endpoint}", region: us-east-1,
                        access_key_id: project-key, secret_access_key: project-secret}}
'''


def bucket_created(endpoint: str) -> bool:
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="operator",
                          aws_secret_access_key="operator-secret")
    try:
        client.create_bucket(Bucket=BUCKET)
        return True
    except botocore.exceptions.EndpointConnectionError:
        return False
    finally:
        client.close()


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
    project.write_text(PROJECT.format(bucket=BUCKET, endpoint=s3_endpoint), encoding="utf-8")
    ops.upload_workflows(write_workflow(tmp_path, WORKFLOW), [str(project)])
    snapshot = (ops.list_workflow_snapshots("across_hosts") or [])[-1]
    assert snapshot.uri == f"s3://{BUCKET}/packages/packages/{snapshot.content_hash}.zip"

    execution_id = ops.start_workflow_execution("across_hosts")

    assert wait_for_execution(execution_id, timeout=60).status == WorkflowStatus.SUCCESS, task_statuses(execution_id)
    download = next(t for t in ops.list_task_executions(execution_id) or [] if t.task_name == "download")
    assert f"downloaded: {CONTENT}" in "".join(ops.task_execution_log_lines(download.id))
    assert task_statuses(execution_id) == {"upload": TaskStatus.SUCCESS, "download": TaskStatus.SUCCESS}
    b, c = (deployment.services[f"worker@{name}"].log() for name in ("b", "c"))
    assert f"package read from the blob store {snapshot.uri}" in b
    assert "read from the blob store" not in c  # host c got it through the API
    assert SERVER_SECRET not in b + c
