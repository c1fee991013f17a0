"""Plans: round trips, validation on read (a bad document is an error that says where), built-in conditions."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from aiflow.loader.describe import describe_workflow
from aiflow.model.action import TaskAction
from aiflow.model.internal.conditions import MeetAllEventCondition
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.plan import EventCondition, Match, PlanError, StatusCondition, StatusRequirement, WorkflowPlan


def sample() -> Workflow:
    with Workflow("w", namespace="ns") as workflow:
        first = BashOperator("first", "echo", retries=2, retry_delay=5, queue="io", timeout=60)
        second = BashOperator("second", "echo", periodic_expression="interval@0 0 1 0")
        second.start_after(first)
        second.action_on_condition(TaskAction.RESTART, MeetAllEventCondition(["a", "b"]))
    return workflow


def test_a_plan_reads_back_what_it_wrote() -> None:
    plan = describe_workflow(sample())

    assert WorkflowPlan.from_json(plan.to_json()) == plan
    first = plan.tasks["first"]
    assert (first.retries, first.retry_delay, first.queue, first.timeout) == (2, timedelta(seconds=5), "io",
                                                                             timedelta(seconds=60))
    assert str(plan.tasks["second"].periodic) == "interval@0 0 1 0"
    assert [rule.condition for rule in plan.task_rules("second")] == [
        StatusCondition((StatusRequirement("first", TaskStatus.SUCCESS),)),
        EventCondition(("a", "b"), Match.ALL),
    ]
    assert plan.initial_task_names() == ["first"]
    assert plan.expected_keys() == {"aiflow.task_status:first", "a", "b"}


def document(**changes: Any) -> str:
    data = describe_workflow(sample()).to_dict()
    for path, value in changes.items():
        target: Any = data
        *parents, last = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value
    return json.dumps(data)


@pytest.mark.parametrize(("text", "message"), [
    (None, "has no plan"),
    ("not json", "not valid JSON"),
    ("[]", "plan must be a JSON object"),
    (document(version=2), "plan version 2 is not 1"),
    (document(name="../x"), "Workflow name"),
    (document(tasks=5), "'tasks' must be a list"),
    (document(tasks__0__name="a/b"), "Task name"),
    (document(tasks__1__name="first"), "declared twice"),
    (document(tasks__0__retries=-1), "retries must be from 0"),
    (document(tasks__0__retries=True), "'retries' must be an integer"),
    (document(tasks__0__retry_delay="soon"), "'retry_delay' must be a number"),
    (document(tasks__0__timeout=1e12), "'timeout' must be a number from 0"),
    (document(tasks__1__periodic="cron@0 0 31 2 *"), "never fires"),
    (document(rules__0__task="ghost"), "no task 'ghost'"),
    (document(rules__0__action="EXPLODE"), "unknown action"),
    (document(rules__0__condition={"kind": "event", "keys": 5}), "non-empty list of event keys"),
    (document(rules__0__condition={"kind": "task_status", "all": [{"task": "ghost", "status": "SUCCESS"}]}),
     "depends on 'ghost'"),
    (document(rules__1__condition={"kind": "custom", "expect_event_keys": ["k"], "label": "x", "code": "!!"}),
     "'code' must be base64"),
])
def test_a_bad_document_says_what_is_wrong(text: str | None, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        WorkflowPlan.from_json(text)


def test_an_all_events_condition_remembers_the_keys_it_saw() -> None:
    condition = EventCondition(("a", "b"), Match.ALL)

    met, state = condition.is_met("a", None)
    assert not met and json.loads(state or b"") == ["a"]
    assert condition.is_met("a", state) == (False, state)
    assert condition.is_met("b", state) == (True, None)


def test_status_conditions_need_every_requirement() -> None:
    condition = StatusCondition((StatusRequirement("a", TaskStatus.SUCCESS), StatusRequirement("b", TaskStatus.FAILED)))

    assert condition.is_met({"a": TaskStatus.SUCCESS, "b": TaskStatus.FAILED})
    assert not condition.is_met({"a": TaskStatus.SUCCESS})


def test_tasks_expecting_a_key_come_in_declaration_order() -> None:
    with Workflow("w", namespace="ns") as workflow:
        first = BashOperator("first", "echo")
        third = BashOperator("third", "echo")
        second = BashOperator("second", "echo")
        for task in (third, second):
            task.start_after(first)
        second.action_on_condition(TaskAction.RESTART, MeetAllEventCondition(["a"]))
        third.action_on_condition(TaskAction.STOP, MeetAllEventCondition(["a", "b"]))
    plan = describe_workflow(workflow)
    first_done = next(iter(plan.task_rules("second")[0].condition.expect_event_keys))

    assert plan.tasks_expecting(first_done) == ("third", "second")
    assert plan.tasks_expecting("a") == ("third", "second")
    assert plan.tasks_expecting("b") == ("third",)
    assert plan.tasks_expecting("nobody's") == ()
    assert plan.expected_keys() == {first_done, "a", "b"}
    assert plan.user_event_waiters == frozenset()  # only STOP and RESTART rules wait for user events
