"""samples/custom_condition: the consumer starts once, when the reported records add up to 100."""

from __future__ import annotations

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    log_of,
    runs_of,
    sample_file,
    wait_for,
    wait_for_many,
)
from tests.support import wait_for_execution


def test_the_consumer_starts_only_when_the_condition_is_met(sample_stack: SampleStack) -> None:
    ops.upload_workflows(sample_file("custom_condition", "custom_condition.py"))
    execution_id = ops.start_workflow_execution("custom_condition_workflow")

    (producer,) = wait_for_many(lambda: runs_of(execution_id, "producer"), 1, "the producer to start")
    wait_for(lambda: "85 in all" in log_of(producer), "four batches (85 records)")
    consumers = runs_of(execution_id, "consumer")
    if "100 in all" not in log_of(producer):  # the producer logs each batch before it reports it
        assert consumers == []  # the first four events did not meet the condition

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    (consumer,) = runs_of(execution_id, "consumer")  # met once: the sixth batch (40 records) starts nothing
    assert consumer.status == TaskStatus.SUCCESS
    assert "100 more records are ready" in log_of(consumer)
    assert "140 in all" in log_of(producer)
