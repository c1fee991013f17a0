"""samples/quickstart: uploaded and started with the CLI, its four tasks succeed in the documented order."""

from __future__ import annotations

import re

from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    aiflow,
    log_of,
    runs_of,
    sample_file,
)
from tests.support import task_statuses, wait_for_execution


def test_the_quickstart_ends_with_four_successful_tasks(sample_stack: SampleStack) -> None:
    assert "default/quickstart_workflow" in aiflow("workflow", "upload", sample_file("quickstart", "quickstart.py"))

    started = aiflow("workflow-execution", "start", "quickstart_workflow")
    execution_id = int(re.findall(r"execution (\d+)", started)[0])

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {f"task{i}": TaskStatus.SUCCESS for i in range(1, 5)}
    task1, task2, task3, task4 = (runs_of(execution_id, f"task{i}")[0] for i in range(1, 5))
    assert task1.end_date and task2.end_date and task3.begin_date and task4.begin_date
    assert task3.begin_date >= max(task1.end_date, task2.end_date)  # start_after([task1, task2])
    assert task4.begin_date >= task3.begin_date  # started by task3's event
    assert "task1 says hello" in log_of(task1)
    assert "task4 got the greeting" in log_of(task4)
    assert "SUCCESS" in aiflow("task-execution", "list", str(execution_id))
