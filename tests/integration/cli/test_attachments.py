"""``aiflow workflow-schedule`` and ``aiflow workflow-trigger`` against a live server."""

from __future__ import annotations

import pytest

from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.ops import add_workflow_trigger
from tests.integration.cli.conftest import Aiflow, parse_output


def add_schedule(aiflow: Aiflow, workflow: str, expression: str) -> int:
    """Add a schedule through the CLI; return its id."""
    output = aiflow.ok("workflow-schedule", "add", workflow, expression)
    assert output.endswith(f"({expression}) to default/{workflow}.\n")
    return int(output.split()[3])


def add_trigger(workflow: str, key: str) -> int:
    """Add a trigger through the SDK (the CLI has no ``add``); return its id."""
    return add_workflow_trigger(WorkflowRule(SingleEventCondition(key)), workflow).id


@pytest.mark.parametrize("fmt", ["table", "json", "yaml", "plain"])
def test_schedules_in_every_format(uploaded: str, aiflow: Aiflow, fmt: str) -> None:
    hourly = add_schedule(aiflow, uploaded, "cron@0 * * * *")
    add_schedule(aiflow, uploaded, "interval@0 0 10 0")
    listed = parse_output(aiflow.ok("workflow-schedule", "list", uploaded, "-o", fmt), fmt)
    shown = parse_output(aiflow.ok("workflow-schedule", "show", str(hourly), "-o", fmt), fmt)
    if fmt in ("json", "yaml"):
        assert [(r["expression"], r["is_paused"]) for r in listed] == [
            ("cron@0 * * * *", False), ("interval@0 0 10 0", False),
        ]
        assert [r["id"] for r in shown] == [hourly]
    elif fmt == "table":
        assert listed[0] == ["id", "workflow_id", "expression", "is_paused", "create_time"]
        assert len(listed) == 3
        assert shown[1][0] == str(hourly)
    else:
        assert [row[2] for row in listed] == ["cron@0 * * * *", "interval@0 0 10 0"]
        assert [row[:4] for row in shown] == [[str(hourly), "1", "cron@0 * * * *", "False"]]


def test_pause_resume_delete_schedules(uploaded: str, aiflow: Aiflow) -> None:
    first = add_schedule(aiflow, uploaded, "cron@0 * * * *")
    add_schedule(aiflow, uploaded, "cron@30 * * * *")
    assert aiflow.ok("workflow-schedule", "pause", str(first)) == f"Paused workflow schedule {first}.\n"
    assert aiflow.records("workflow-schedule", "show", str(first))[0]["is_paused"] is True
    assert aiflow.ok("workflow-schedule", "resume", str(first)) == f"Resumed workflow schedule {first}.\n"
    assert aiflow.records("workflow-schedule", "show", str(first))[0]["is_paused"] is False
    aiflow.fails("workflow-schedule", "delete", str(first), input="n\n")
    aiflow.ok("workflow-schedule", "delete", str(first), "-y")
    assert [r["expression"] for r in aiflow.records("workflow-schedule", "list", uploaded)] == ["cron@30 * * * *"]
    aiflow.ok("workflow-schedule", "delete-all", uploaded, "-y")
    assert aiflow.records("workflow-schedule", "list", uploaded) == []


def test_bad_schedule_expression(uploaded: str, aiflow: Aiflow) -> None:
    assert "cron@" in aiflow.fails("workflow-schedule", "add", uploaded, "cron@61 * * * *")
    assert aiflow.fails("workflow-schedule", "show", "404") == "Error: workflow schedule 404 does not exist"
    assert aiflow.records("workflow-schedule", "list", uploaded) == []


@pytest.mark.parametrize("fmt", ["table", "json", "yaml", "plain"])
def test_triggers_in_every_format(uploaded: str, aiflow: Aiflow, fmt: str) -> None:
    trigger = add_trigger(uploaded, "model_ready")
    rule = "WorkflowRule(condition=SingleEventCondition(expect_event_keys=['model_ready']))"
    listed = parse_output(aiflow.ok("workflow-trigger", "list", uploaded, "-o", fmt), fmt)
    shown = aiflow.ok("workflow-trigger", "show", str(trigger), "-o", fmt)
    if fmt in ("json", "yaml"):
        assert [(r["id"], r["rule"], r["is_paused"]) for r in listed] == [(trigger, rule, False)]
    elif fmt == "table":
        assert listed[0] == ["id", "workflow_id", "rule", "is_paused", "create_time"]
        assert listed[1][0] == str(trigger)
    else:
        assert [row[:4] for row in listed] == [[str(trigger), "1", rule, "False"]]
    assert rule in shown


def test_pause_resume_delete_triggers(uploaded: str, aiflow: Aiflow) -> None:
    first, second = add_trigger(uploaded, "a"), add_trigger(uploaded, "b")
    aiflow.ok("workflow-trigger", "pause", str(first))
    assert [r["is_paused"] for r in aiflow.records("workflow-trigger", "list", uploaded)] == [True, False]
    aiflow.ok("workflow-trigger", "resume", str(first))
    assert [r["is_paused"] for r in aiflow.records("workflow-trigger", "list", uploaded)] == [False, False]
    assert aiflow.ok("workflow-trigger", "delete", str(first), "-y") == f"Deleted workflow trigger {first}.\n"
    assert [r["id"] for r in aiflow.records("workflow-trigger", "list", uploaded)] == [second]
    aiflow.fails("workflow-trigger", "delete-all", uploaded, input="n\n")
    aiflow.ok("workflow-trigger", "delete-all", uploaded, input="y\n")
    assert aiflow.records("workflow-trigger", "list", uploaded) == []
    assert aiflow.fails("workflow-trigger", "pause", str(first)) == f"Error: workflow trigger {first} does not exist"
