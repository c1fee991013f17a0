"""samples/online_ml: batches of data train models, the best is deployed, the serving task predicts with it."""

from __future__ import annotations

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    log_of,
    runs_of,
    sample_file,
    successful_runs,
    wait_for,
)
from tests.support import wait_for_execution


def test_the_serving_task_predicts_with_a_model_once_it_is_deployed(sample_stack: SampleStack) -> None:
    ops.upload_workflows(sample_file("online_ml", "online_ml.py"))
    execution_id = ops.start_workflow_execution("online_machine_learning")
    working_dir = sample_stack.home / "worker" / "runs" / str(execution_id) / "tmp"
    predictions = working_dir / "predictions.txt"

    def first_prediction() -> str | None:
        lines = predictions.read_text().splitlines(keepends=True) if predictions.exists() else []
        return lines[0] if lines and lines[0].endswith("\n") else None

    first_model = wait_for(first_prediction, "the first prediction", timeout=60).split(":")[0]
    assert (working_dir / "deployed" / first_model).is_file()

    def deployed_by_the_workflow() -> bool:
        return any(f"Deployed {first_model}" in log_of(run) for run in successful_runs(execution_id, "deploying"))

    wait_for(deployed_by_the_workflow, "the deployment of the model to succeed", timeout=10)
    assert successful_runs(execution_id, "training") and successful_runs(execution_id, "validating")
    (serving,) = runs_of(execution_id, "predicting")
    assert serving.status == TaskStatus.RUNNING
    wait_for(lambda: f"Predicted with {first_model}" in log_of(serving), "the prediction in the log", timeout=10)

    ops.stop_workflow_executions("online_machine_learning")
    assert wait_for_execution(execution_id).status == WorkflowStatus.STOPPED
