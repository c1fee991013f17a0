"""samples/periodic_workflow: a schedule added with the CLI starts an execution every two seconds."""

from __future__ import annotations

import re

from aiflow import ops
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    aiflow,
    sample_file,
    wait_for_many,
)
from tests.support import task_statuses, wait_for_execution


def test_a_schedule_runs_the_workflow_again_and_again(sample_stack: SampleStack) -> None:
    aiflow("workflow", "upload", sample_file("periodic_workflow", "periodic_workflow.py"))

    added = aiflow("workflow-schedule", "add", "periodic_workflow", "interval@0 0 0 2")
    schedule_id = re.findall(r"schedule (\d+)", added)[0]

    runs = wait_for_many(lambda: ops.list_workflow_executions("periodic_workflow"), 2, "two scheduled executions")
    aiflow("workflow-schedule", "pause", schedule_id)

    for run in sorted(runs, key=lambda run: run.id)[:2]:
        assert run.execution_type == ExecutionType.PERIODIC
        assert wait_for_execution(run.id).status == WorkflowStatus.SUCCESS
        assert task_statuses(run.id) == {"collect": TaskStatus.SUCCESS, "publish": TaskStatus.SUCCESS}
    (schedule,) = ops.list_workflow_schedules("periodic_workflow") or []
    assert schedule.is_paused and schedule.expression == "interval@0 0 0 2"
