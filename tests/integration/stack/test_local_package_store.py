"""With the default local package store, the worker reads packages from its folder, which tasks cannot read."""

from __future__ import annotations

from pathlib import Path

from aiflow import ops
from aiflow.config.server import ServerConfig
from aiflow.model.status import WorkflowStatus
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import WorkerProcess
from tests.support import wait_for_execution

PEEK = '''
import os
from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def peek():
    try:
        os.listdir({store!r})
    except PermissionError:
        print("the package store is out of reach")
    else:
        raise AssertionError("a task read the server's package store")


with Workflow(name="peek") as workflow:
    PythonOperator(name="peek", python_callable=peek)
'''


def test_the_worker_reads_the_local_store_directly_and_its_tasks_cannot(
    stack: WorkerProcess, stack_config: ServerConfig, tmp_path: Path
) -> None:
    ops.upload_workflows(write_workflow(tmp_path, PEEK.format(store=stack_config.blob_store_uri)))
    snapshot = (ops.list_workflow_snapshots("peek") or [])[-1]

    execution_id = ops.start_workflow_execution("peek")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    task = (ops.list_task_executions(execution_id) or [])[0]
    assert "the package store is out of reach" in "".join(ops.task_execution_log_lines(task.id))
    assert f"package read from the blob store {snapshot.uri}" in stack.log_file.read_text()
    assert snapshot.uri.startswith("file://")
