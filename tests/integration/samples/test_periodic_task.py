"""samples/periodic_task: the periodic task runs every two seconds, its downstream task after each run."""

from __future__ import annotations

from aiflow import ops
from aiflow.model.status import WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    log_of,
    sample_file,
    successful_runs,
    wait_for_many,
)
from tests.support import wait_for_execution


def test_the_periodic_task_and_its_follower_run_again_and_again(sample_stack: SampleStack) -> None:
    ops.upload_workflows(sample_file("periodic_task", "periodic_task.py"))
    execution_id = ops.start_workflow_execution("periodic_task_workflow")

    heartbeats = wait_for_many(lambda: successful_runs(execution_id, "heartbeat"), 2, "two runs of the periodic task")
    reports = wait_for_many(lambda: successful_runs(execution_id, "report"), 2, "two runs of the task after it")

    assert [run.sequence_number for run in heartbeats[:2]] == [1, 2]
    assert reports[0].begin_date and heartbeats[0].end_date and reports[0].begin_date >= heartbeats[0].end_date
    assert "heartbeat at" in log_of(heartbeats[0])
    execution = ops.get_workflow_execution(execution_id)
    assert execution and execution.status == WorkflowStatus.RUNNING  # a periodic task keeps it running

    ops.stop_workflow_executions("periodic_task_workflow")
    assert wait_for_execution(execution_id).status == WorkflowStatus.STOPPED
