"""``aiflow workflow-schedule`` and ``aiflow workflow-trigger`` against a live server."""

from __future__ import annotations

from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.ops import add_workflow_trigger
from tests.integration.cli.conftest import Aiflow


def add_schedule(aiflow: Aiflow, workflow: str, expression: str) -> int:
    """Add a schedule through the CLI; return its id."""
    output = aiflow.ok("workflow-schedule", "add", workflow, expression)
    assert output.endswith(f"({expression}) to default/{workflow}.\n")
    return int(output.split()[3])


def add_trigger(workflow: str, key: str) -> int:
    """Add a trigger through the SDK (the CLI has no ``add``); return its id."""
    return add_workflow_trigger(WorkflowRule(SingleEventCondition(key)), workflow).id


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
