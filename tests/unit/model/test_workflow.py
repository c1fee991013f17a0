"""Declaring workflows, tasks and rules."""

from __future__ import annotations

import sys

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.action import TaskAction
from aiflow.model.internal.conditions import (
    SingleEventCondition,
    TaskStatusAllMetCondition,
    TaskStatusCondition,
)
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import Workflow, WorkflowContextManager


def test_tasks_join_the_workflow_whose_block_is_open(task):
    with Workflow("outer", namespace="ns", owner="me") as outer:
        a = task("a")
        with Workflow("inner") as inner:
            b = task("b")
        c = task("c")

    assert list(outer.tasks) == ["a", "c"]
    assert list(inner.tasks) == ["b"]
    assert (a.workflow, b.workflow, c.workflow) == (outer, inner, outer)
    assert (outer.namespace, outer.config, inner.namespace) == ("ns", {"owner": "me"}, "default")
    assert WorkflowContextManager.get_current_workflow() is None


def test_block_is_closed_even_when_its_body_raises(task):
    with pytest.raises(RuntimeError), Workflow("w"):
        raise RuntimeError("boom")
    assert WorkflowContextManager.get_current_workflow() is None


def test_task_outside_a_workflow_is_rejected(task):
    with pytest.raises(InvalidInputError, match="inside a 'with Workflow"):
        task("orphan")


def test_duplicate_task_name_is_rejected(task):
    with Workflow("w"), pytest.raises(InvalidInputError, match="already has a task named 'a'"):
        task("a")
        task("a")


@pytest.mark.parametrize("name", ["", "  padded ", None, 3, "a/b", "..", "x" * 256, "tab\there"])
def test_bad_names_are_rejected(task, name):
    with pytest.raises(InvalidInputError, match="^Workflow name"):
        Workflow(name)
    with pytest.raises(InvalidInputError, match="^Namespace name"):
        Workflow("w", namespace=name)
    with Workflow("w") as workflow, pytest.raises(InvalidInputError, match="^Task name"):
        task(name)
    assert workflow.tasks == {}


def test_start_after_makes_a_success_rule_on_every_upstream(task):
    with Workflow("w") as w:
        a, b, c = task("a"), task("b"), task("c")
        c.start_after([a, b])
        b.start_after(a)

    [rule] = w.task_rules("c")
    assert rule.action is TaskAction.START
    assert isinstance(rule.condition, TaskStatusAllMetCondition)
    assert [(x.task_name, x.expect_status) for x in rule.condition.conditions] == [
        ("a", TaskStatus.SUCCESS),
        ("b", TaskStatus.SUCCESS),
    ]
    assert rule.condition.expect_event_keys == [task_status_event_key("a"), task_status_event_key("b")]
    assert w.task_rules("b")[0].condition.expect_event_keys == [task_status_event_key("a")]


def test_action_on_task_status_accepts_operators_and_names(task):
    with Workflow("w") as w:
        a, b = task("a"), task("b")
        b.action_on_task_status(TaskAction.STOP, {a: TaskStatus.FAILED, "later": TaskStatus.SUCCESS})
        task("later")

    [rule] = w.task_rules("b")
    assert rule.action is TaskAction.STOP
    assert [(x.task_name, x.expect_status) for x in rule.condition.conditions] == [
        ("a", TaskStatus.FAILED),
        ("later", TaskStatus.SUCCESS),
    ]


def test_event_and_condition_rules_keep_declaration_order(task):
    condition = TaskStatusCondition("a", TaskStatus.RUNNING)
    with Workflow("w") as w:
        task("a")
        b = task("b")
        b.action_on_event_received(TaskAction.START, "go")
        b.action_on_condition(TaskAction.RESTART, condition)

    first, second = w.task_rules("b")
    assert isinstance(first.condition, SingleEventCondition)
    assert (first.condition.expect_event_keys, first.action) == (["go"], TaskAction.START)
    assert (second.condition, second.action) == (condition, TaskAction.RESTART)


def test_workflows_and_rules_record_the_line_that_declared_them(task):
    workflow_line = sys._getframe().f_lineno + 1
    with Workflow("w") as w:
        a, b = task("a"), task("b")
        rule_line = sys._getframe().f_lineno + 1
        b.start_after(a)

    assert (w.declared_at.filename, w.declared_at.lineno) == (__file__, workflow_line)
    location = w.task_rules("b")[0].declared_at
    assert (location.filename, location.lineno) == (__file__, rule_line)


def test_rule_on_another_workflows_task_is_rejected(task):
    with Workflow("one"):
        a = task("a")
    with Workflow("two"), pytest.raises(InvalidInputError, match="belongs to workflow 'one'"):
        task("b").start_after(a)


@pytest.mark.parametrize(
    ("declare", "message"),
    [
        (lambda w: w.action_on_event_received("missing", "key", TaskAction.START), "no task named"),
        (lambda w: w.action_on_condition("a", TaskAction.START, "not a condition"), "Condition"),
        (lambda w: w.action_on_task_status("a", TaskAction.START, {}), "at least one upstream"),
        (lambda w: w.action_on_event_received("a", "key", "JUMP"), "JUMP"),
    ],
)
def test_malformed_rules_are_rejected(task, declare, message):
    with Workflow("w") as w:
        task("a")
    with pytest.raises((InvalidInputError, ValueError), match=message):
        declare(w)
    assert w.task_rules("a") == []


def test_initial_tasks_are_those_without_a_start_rule(task):
    with Workflow("w") as w:
        a, b, c, d = task("a"), task("b"), task("c"), task("d")
        b.start_after(a)
        c.action_on_task_status(TaskAction.STOP, {a: TaskStatus.SUCCESS})
        d.action_on_event_received(TaskAction.START, "go")

    assert w.initial_task_names() == ["a", "c"]
