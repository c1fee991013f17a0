"""samples/flink: the job is submitted with ``flink run`` and the next task runs once it has finished."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    log_of,
    runs_of,
    sample_file,
)
from tests.integration.samples.stand_ins import calls, write_stand_in
from tests.support import task_statuses, wait_for_execution

JOB_ID = "4ab5d0a6b4e7c5f3a2b1c0d9e8f7a6b5"


@pytest.fixture
def sample_environment(tmp_path: Path) -> dict[str, str]:
    """A Flink distribution whose ``bin/flink`` is a stand-in."""
    flink_home = tmp_path / "flink"
    write_stand_in(flink_home, "flink", [f"Job has been submitted with JobID {JOB_ID}", "Program execution finished"])
    return {"FLINK_HOME": str(flink_home)}


def test_the_word_count_job_is_submitted_and_the_next_task_follows(
    sample_stack: SampleStack, sample_environment: dict[str, str]
) -> None:
    flink_home = Path(sample_environment["FLINK_HOME"])
    ops.upload_workflows(sample_file("flink", "flink_workflow.py"))

    execution_id = ops.start_workflow_execution("flink_workflow")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {"word_count": TaskStatus.SUCCESS, "announce": TaskStatus.SUCCESS}
    assert calls(flink_home) == [[
        "flink", "run", "--parallelism", "2", str(flink_home / "examples" / "streaming" / "WordCount.jar"),
        "--output", "/tmp/aiflow_flink_word_count",
    ]]
    assert f"Job has been submitted with JobID {JOB_ID}" in log_of(runs_of(execution_id, "word_count")[0])
