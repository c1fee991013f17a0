"""samples/event_trigger: the script sets both workflows up; the first one's event starts the second."""

from __future__ import annotations

import os
import subprocess
import sys

from aiflow import ops
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    sample_file,
    wait_for_many,
)
from tests.support import task_statuses, wait_for_execution


def run_script(path: str) -> str:
    """Run ``python <path>`` as the README says; it must succeed. Return its output."""
    done = subprocess.run([sys.executable, path], capture_output=True, text=True, timeout=60, env=os.environ)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_event_of_the_first_workflow_starts_the_second(sample_stack: SampleStack) -> None:
    output = run_script(sample_file("event_trigger", "event_trigger.py"))

    (ingest,) = ops.list_workflow_executions("ingest_workflow") or []
    assert f"Started execution {ingest.id} of ingest_workflow" in output
    assert wait_for_execution(ingest.id).status == WorkflowStatus.SUCCESS
    (report,) = wait_for_many(lambda: ops.list_workflow_executions("report_workflow"), 1,
                              "the trigger to start report_workflow")
    assert report.execution_type == ExecutionType.EVENT
    assert wait_for_execution(report.id).status == WorkflowStatus.SUCCESS
    assert task_statuses(report.id) == {"build_report": TaskStatus.SUCCESS}

    run_script(sample_file("event_trigger", "event_trigger.py"))  # a second run adds no second trigger
    assert len(ops.list_workflow_triggers("report_workflow") or []) == 1
    reports = wait_for_many(lambda: ops.list_workflow_executions("report_workflow"), 2,
                            "the second event to start report_workflow again")
    assert len(reports) == 2
    assert all(wait_for_execution(run.id).status == WorkflowStatus.SUCCESS for run in reports)
