"""The SDK's records: parsed from the server's JSON, printed as plain rows."""

from __future__ import annotations

import base64
import pickle
from datetime import UTC, datetime

import cloudpickle
import pytest

from aiflow.model.execution_type import ExecutionType
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus
from aiflow.ops import AIFlowException, NamespaceMeta, TaskExecutionMeta, WorkflowEventTriggerMeta, WorkflowMeta
from aiflow.ops.workflow_trigger_ops import encode_rule

TASK_JSON = {
    "id": 7, "workflow_execution_id": 3, "task_name": "train", "sequence_number": 2, "try_number": 1,
    "execution_type": "MANUAL", "status": "RUNNING", "begin_date": "2024-05-01T10:00:00+00:00",
    "end_date": None, "error": None, "unknown_new_field": "ignored",
}


def trigger_json(rule: bytes) -> dict[str, object]:
    return {"id": 1, "workflow_id": 2, "rule": base64.b64encode(rule).decode(), "is_paused": False,
            "create_time": None}


def test_from_json_converts_times_and_statuses() -> None:
    meta = TaskExecutionMeta.from_json(TASK_JSON)
    assert meta.status is TaskStatus.RUNNING
    assert meta.execution_type is ExecutionType.MANUAL
    assert meta.begin_date == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert meta.end_date is None


def test_to_row_gives_plain_values() -> None:
    row = TaskExecutionMeta.from_json(TASK_JSON).to_row()
    assert row["status"] == "RUNNING" and type(row["status"]) is str
    assert row["begin_date"] == "2024-05-01T10:00:00+00:00"
    assert "unknown_new_field" not in row


def test_missing_or_malformed_fields_raise() -> None:
    with pytest.raises(AIFlowException, match="TaskExecutionMeta has no field 'status'"):
        TaskExecutionMeta.from_json({k: v for k, v in TASK_JSON.items() if k != "status"})
    with pytest.raises(AIFlowException, match="bad 'status'"):
        TaskExecutionMeta.from_json({**TASK_JSON, "status": "DANCING"})


def test_lists_and_absent_records() -> None:
    assert NamespaceMeta.list_from_json([]) is None
    assert NamespaceMeta.list_from_json([{"name": "a", "properties": {}}]) == [NamespaceMeta("a", {})]
    assert NamespaceMeta.from_optional_json(None) is None


def test_workflow_rows_leave_out_the_source() -> None:
    meta = WorkflowMeta.from_json({
        "id": 1, "namespace": "default", "name": "wf", "content": "print()", "description": None,
        "is_enabled": True, "snapshot_id": 4, "create_time": None, "update_time": None,
    })
    assert meta.content == "print()"
    assert "content" not in meta.to_row()


def test_trigger_rule_round_trip() -> None:
    rule = WorkflowRule(SingleEventCondition("ready"))
    meta = WorkflowEventTriggerMeta.from_json(trigger_json(base64.b64decode(encode_rule(rule))))
    assert meta.workflow_rule().condition.expect_event_keys == ["ready"]
    assert meta.to_row()["rule"] == "WorkflowRule(condition=SingleEventCondition(expect_event_keys=['ready']))"


def test_a_rule_that_does_not_unpickle_here_is_described() -> None:
    meta = WorkflowEventTriggerMeta.from_json(trigger_json(b"not a pickle"))
    with pytest.raises(pickle.UnpicklingError):
        meta.workflow_rule()
    assert meta.to_row()["rule"].startswith("<12 bytes that do not unpickle here")
    other = WorkflowEventTriggerMeta.from_json(trigger_json(cloudpickle.dumps({"a": 1})))
    with pytest.raises(AIFlowException, match="holds a dict"):
        other.workflow_rule()
