"""How every command fails and confirms, from tables: exit code 1, one line on stderr, no traceback.

``--verbose`` is the only way to a traceback. Commands that destroy or stop
something ask first; ``n`` changes nothing, ``-y`` skips the question.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from aiflow import ops
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import WorkflowStatus
from aiflow.ops import AIFlowException
from notification.client import NotificationClient
from tests.integration.cli.conftest import Aiflow, sent_commands, set_execution_status

SCHEDULE = "cron@0 * * * *"

UNKNOWN = [
    ["namespace", "delete", "nope", "-y"],
    ["workflow", "list", "-n", "nope"],
    ["workflow", "show", "nope"],
    ["workflow", "enable", "nope"],
    ["workflow", "disable", "nope", "-o", "json"],
    ["workflow", "delete", "nope", "-y"],
    ["workflow-execution", "start", "nope"],
    ["workflow-execution", "list", "nope"],
    ["workflow-execution", "show", "999"],
    ["workflow-execution", "stop", "999"],
    ["workflow-execution", "stop-all", "nope", "-y"],
    ["workflow-execution", "delete", "999", "-y"],
    ["task-execution", "list", "999"],
    ["task-execution", "show", "999"],
    ["task-execution", "start", "999", "hello"],
    ["task-execution", "stop", "999", "hello"],
    ["task-execution", "logs", "999"],
    ["workflow-schedule", "add", "nope", SCHEDULE],
    *[
        [group, *args]
        for group in ("workflow-schedule", "workflow-trigger")
        for args in (["list", "nope"], ["show", "999"], ["pause", "999"], ["resume", "999"],
                     ["delete", "999", "-y"], ["delete-all", "nope", "-y"])
    ],
]


@pytest.mark.parametrize("args", UNKNOWN, ids=[" ".join(args[:2]) for args in UNKNOWN])
def test_unknown_names_and_ids_fail_in_one_line(live_server: str, aiflow: Aiflow, args: list[str]) -> None:
    line = aiflow.fails(*args)

    assert line.startswith("Error: ") and ("nope" in line or "999" in line), line
    assert aiflow(*args).stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["workflow-execution", "show", "abc"], "'abc' is not a valid integer"),
        (["task-execution", "start", "1"], "Missing argument 'TASK_NAME'"),
        (["workflow", "list", "--colour"], "No such option '--colour'"),
        (["workflow", "nope"], "No such command 'nope'"),
        (["workflow", "upload", "missing.py"], "'missing.py' does not exist"),
        (["workflow-schedule", "add", "wf", "cron@61 * * * *"], "cron@61 * * * *"),
        (["workflow-schedule", "add", "wf", "cron@0 0 31 2 *"], "never fires"),
        (["workflow-schedule", "add", "wf", "interval@100000000000000000000 0 0 0"], "longer than 3650 days"),
        (["namespace", "add", "a/b"], "Namespace name 'a/b' may hold only letters, digits"),
        (["namespace", "add", ".."], "Namespace name '..' must not be '.' or contain '..'"),
        (["namespace", "add", "ns", "--properties", '{"x": NaN}'], "not valid JSON: Out of range float values"),
        (["task-execution", "logs", "1", "--try-number", "0"], "0 is not in the range x>=1"),
    ],
)
def test_usage_errors_and_bad_input_fail_in_one_line(
    uploaded: str, aiflow: Aiflow, args: list[str], message: str
) -> None:
    assert message in aiflow.fails(*args)


def test_verbose_lets_the_error_through_with_its_traceback(live_server: str, aiflow: Aiflow) -> None:
    result = aiflow("--verbose", "workflow-execution", "stop", "999")

    assert result.exit_code == 1
    assert isinstance(result.exception, AIFlowException)
    assert result.exc_info is not None and result.exc_info[2] is not None


@dataclass(frozen=True)
class Confirmed:
    """A command that asks first, and what it changes: a listing (``-o json``) and the commands sent."""

    args: Callable[[dict[str, int]], list[str]]
    listing: list[str]


CONFIRMED = {
    "namespace delete": Confirmed(lambda ids: ["namespace", "delete", "ml"], ["namespace", "list"]),
    "workflow delete": Confirmed(lambda ids: ["workflow", "delete", "wf"], ["workflow", "list"]),
    "workflow-execution delete": Confirmed(
        lambda ids: ["workflow-execution", "delete", str(ids["finished"])], ["workflow-execution", "list", "wf"]
    ),
    "workflow-execution stop-all": Confirmed(
        lambda ids: ["workflow-execution", "stop-all", "wf"], ["workflow-execution", "list", "wf"]
    ),
    "workflow-schedule delete": Confirmed(
        lambda ids: ["workflow-schedule", "delete", str(ids["schedule"])], ["workflow-schedule", "list", "wf"]
    ),
    "workflow-schedule delete-all": Confirmed(
        lambda ids: ["workflow-schedule", "delete-all", "wf"], ["workflow-schedule", "list", "wf"]
    ),
    "workflow-trigger delete": Confirmed(
        lambda ids: ["workflow-trigger", "delete", str(ids["trigger"])], ["workflow-trigger", "list", "wf"]
    ),
    "workflow-trigger delete-all": Confirmed(
        lambda ids: ["workflow-trigger", "delete-all", "wf"], ["workflow-trigger", "list", "wf"]
    ),
}


@pytest.fixture
def ids(uploaded: str, db: Engine) -> dict[str, int]:
    """One of everything a confirmed command may delete or stop; their ids."""
    ops.add_namespace("ml")
    finished = ops.start_workflow_execution(uploaded)
    set_execution_status(db, finished, WorkflowStatus.FAILED)
    return {
        "finished": finished,
        "schedule": ops.add_workflow_schedule(SCHEDULE, uploaded).id,
        "trigger": ops.add_workflow_trigger(WorkflowRule(SingleEventCondition("go")), uploaded).id,
    }


@pytest.mark.parametrize("name", CONFIRMED)
def test_confirmation_no_changes_nothing_and_yes_skips_it(
    name: str, ids: dict[str, int], aiflow: Aiflow, bus: NotificationClient
) -> None:
    case = CONFIRMED[name]

    def state() -> tuple[Any, int]:
        return aiflow.records(*case.listing), len(sent_commands(bus))

    before = state()
    refused = aiflow(*case.args(ids), input="n\n")
    assert (refused.exit_code, refused.stderr) == (1, "Aborted!\n")
    assert "?" in refused.stdout
    assert state() == before

    done = aiflow(*case.args(ids), "-y")
    assert done.exit_code == 0, done.output
    assert "?" not in done.stdout
    assert state() != before
