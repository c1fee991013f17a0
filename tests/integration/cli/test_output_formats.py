"""Every command with ``-o``, in all four formats, from one table.

Each case names a command and the records it must print. JSON and YAML must
parse to those records (compared on the fields the case names); the table and
the plain lines must show exactly the values the JSON holds, row by row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from aiflow import ops
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.cli.conftest import Aiflow, add_task_execution, parse_table, set_execution_status

FORMATS = ["table", "json", "yaml", "plain"]
CONDITION = "any of events model_ready"


@dataclass(frozen=True)
class World:
    """What the server holds for every case: ids of the records the commands print."""

    snapshot: int
    executions: tuple[int, int]  # the first still INIT, the second SUCCESS
    tasks: tuple[int, int]  # of the first execution: hello SUCCESS, world RUNNING
    schedules: tuple[int, int]  # cron, then a paused interval
    trigger: int


@pytest.fixture
def world(uploaded: str, db: Engine) -> World:
    ops.add_namespace("ml", {"owner": "team-ml"})
    first, second = (ops.start_workflow_execution(uploaded) for _ in range(2))
    set_execution_status(db, second, WorkflowStatus.SUCCESS)
    tasks = (
        add_task_execution(db, first, "hello", TaskStatus.SUCCESS),
        add_task_execution(db, first, "world", TaskStatus.RUNNING),
    )
    cron = ops.add_workflow_schedule("cron@0 * * * *", uploaded).id
    interval = ops.add_workflow_schedule("interval@0 0 10 0", uploaded).id
    ops.pause_workflow_schedule(interval)
    trigger = ops.add_workflow_trigger(WorkflowRule(SingleEventCondition("model_ready")), uploaded).id
    snapshot = (ops.get_workflow(uploaded) or pytest.fail("no workflow")).snapshot_id or 0
    return World(snapshot, (first, second), tasks, (cron, interval), trigger)


@dataclass(frozen=True)
class Case:
    """A command (built from the world) and the records it must print, compared on the fields given."""

    name: str
    command: Callable[[World], list[str]]
    expected: Callable[[World], list[dict[str, Any]]]


WF = {"namespace": "default", "name": "wf"}

CASES = [
    Case("namespace-list", lambda w: ["namespace", "list"],
         lambda w: [{"name": "default"}, {"name": "ml", "properties": {"owner": "team-ml"}}]),
    Case("workflow-list", lambda w: ["workflow", "list"],
         lambda w: [{**WF, "is_enabled": True, "snapshot_id": w.snapshot}]),
    Case("workflow-list-empty", lambda w: ["workflow", "list", "-n", "ml"], lambda w: []),
    Case("workflow-show", lambda w: ["workflow", "show", "wf"], lambda w: [{**WF, "snapshot_id": w.snapshot}]),
    Case("workflow-disable", lambda w: ["workflow", "disable", "wf"], lambda w: [{**WF, "is_enabled": False}]),
    Case("workflow-enable", lambda w: ["workflow", "enable", "wf"], lambda w: [{**WF, "is_enabled": True}]),
    Case("workflow-execution-list", lambda w: ["workflow-execution", "list", "wf"],
         lambda w: [{"id": w.executions[0], "status": "INIT"}, {"id": w.executions[1], "status": "SUCCESS"}]),
    Case("workflow-execution-show", lambda w: ["workflow-execution", "show", str(w.executions[1])],
         lambda w: [{"id": w.executions[1], "workflow_name": "wf", "snapshot_id": w.snapshot,
                     "execution_type": "MANUAL", "status": "SUCCESS"}]),
    Case("task-execution-list", lambda w: ["task-execution", "list", str(w.executions[0])],
         lambda w: [{"id": w.tasks[0], "task_name": "hello", "status": "SUCCESS"},
                    {"id": w.tasks[1], "task_name": "world", "status": "RUNNING"}]),
    Case("task-execution-show", lambda w: ["task-execution", "show", str(w.tasks[1])],
         lambda w: [{"id": w.tasks[1], "workflow_execution_id": w.executions[0], "try_number": 1,
                     "status": "RUNNING"}]),
    Case("workflow-schedule-list", lambda w: ["workflow-schedule", "list", "wf"],
         lambda w: [{"id": w.schedules[0], "expression": "cron@0 * * * *", "is_paused": False},
                    {"id": w.schedules[1], "expression": "interval@0 0 10 0", "is_paused": True}]),
    Case("workflow-schedule-show", lambda w: ["workflow-schedule", "show", str(w.schedules[1])],
         lambda w: [{"id": w.schedules[1], "expression": "interval@0 0 10 0", "is_paused": True}]),
    Case("workflow-trigger-list", lambda w: ["workflow-trigger", "list", "wf"],
         lambda w: [{"id": w.trigger, "condition": CONDITION, "is_paused": False}]),
    Case("workflow-trigger-show", lambda w: ["workflow-trigger", "show", str(w.trigger)],
         lambda w: [{"id": w.trigger, "condition": CONDITION, "is_paused": False}]),
]


def cells(record: dict[str, Any]) -> list[str]:
    """The record's values as the table and plain formats print them."""
    return ["" if value is None else str(value) for value in record.values()]


def printed(fmt: str, records: list[dict[str, Any]]) -> Any:
    """What :func:`parse` must find in the ``-o fmt`` output of ``records`` (the JSON output)."""
    if fmt in ("json", "yaml"):
        return records
    if fmt == "plain":
        return [cells(record) for record in records]
    return [dict(zip(record, cells(record), strict=True)) for record in records] if records else "No data."


def parse(fmt: str, text: str) -> Any:
    """Read back what ``-o fmt`` printed."""
    if fmt in ("json", "yaml"):
        return yaml.safe_load(text)  # JSON is YAML too
    if fmt == "plain":
        return [line.split("\t") for line in text.splitlines()]
    return text.strip() if text == "No data.\n" else parse_table(text)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_every_format_shows_the_records(case: Case, world: World, aiflow: Aiflow) -> None:
    args = case.command(world)
    records = json.loads(aiflow.ok(*args, "-o", "json"))
    expected = case.expected(world)

    assert len(records) == len(expected)
    assert [{key: record[key] for key in want} for record, want in zip(records, expected, strict=True)] == expected
    shown = {fmt: parse(fmt, aiflow.ok(*args, "-o", fmt)) for fmt in FORMATS}
    assert shown == {fmt: printed(fmt, records) for fmt in FORMATS}


def test_table_is_the_default(world: World, aiflow: Aiflow) -> None:
    assert aiflow.ok("workflow-schedule", "list", "wf") == aiflow.ok("workflow-schedule", "list", "wf", "-o", "table")


def test_unknown_format_is_refused(world: World, aiflow: Aiflow) -> None:
    assert "'xml' is not one of" in aiflow.fails("workflow", "list", "-o", "xml")
