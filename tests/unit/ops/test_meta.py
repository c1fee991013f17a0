"""The SDK's records: parsed from the server's JSON, printed as plain rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.execution_type import ExecutionType
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus
from aiflow.ops import AIFlowException, NamespaceMeta, TaskExecutionMeta, WorkflowEventTriggerMeta, WorkflowMeta
from aiflow.ops.workflow_trigger_ops import trigger_body
from notification.event import Event

TASK_JSON = {
    "id": 7, "workflow_execution_id": 3, "task_name": "train", "sequence_number": 2, "try_number": 1,
    "execution_type": "MANUAL", "status": "RUNNING", "begin_date": "2024-05-01T10:00:00+00:00",
    "end_date": None, "error": None, "unknown_new_field": "ignored",
}


def trigger_json(condition: object) -> dict[str, object]:
    return {"id": 1, "workflow_id": 2, "condition": condition, "is_paused": False, "error": None,
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
    meta = WorkflowEventTriggerMeta.from_json(trigger_json(trigger_body(rule)["condition"]))
    assert meta.workflow_rule().condition.expect_event_keys == ["ready"]
    assert meta.to_row()["condition"] == "any of events ready"


class Threshold(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        return int(event.value or 0) > 3


def test_a_custom_trigger_condition_travels_pickled_and_shows_by_name() -> None:
    body = trigger_body(WorkflowRule(Threshold(["n"])))
    meta = WorkflowEventTriggerMeta.from_json(trigger_json(body["condition"]))

    assert body["condition"]["kind"] == "custom"
    assert meta.to_row()["condition"] == "custom Threshold(expect_event_keys=['n']) on events n"
    rebuilt = meta.workflow_rule().condition
    assert isinstance(rebuilt, Threshold) and rebuilt.expect_event_keys == ["n"]


def test_a_trigger_without_a_readable_condition_is_refused_here() -> None:
    for condition in (None, {"kind": "teleport"}):
        with pytest.raises(AIFlowException, match="trigger 1"):
            WorkflowEventTriggerMeta.from_json(trigger_json(condition)).workflow_rule()
