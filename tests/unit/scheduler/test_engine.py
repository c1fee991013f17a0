"""The rule engine's semantics (DESIGN.md §5), with no services: state and an event in, decisions out."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.engine.decisions import (
    QueueTask,
    RecordError,
    RetryTask,
    RuleFired,
    SetExecutionStatus,
    SetTaskStatus,
    StopTask,
)
from aiflow.scheduler.engine.engine import (
    STOP_COMMAND,
    fire_periodic,
    retry_due,
    start_execution,
    stop_execution,
)
from notification.event import Event
from tests.unit.scheduler.builders import apply, report, user_event, view_of

S, F, R, Q = TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.RUNNING, TaskStatus.QUEUED


def initial(task: str) -> str:
    return f"the execution started; {task!r} has no START rule"


def on_event(task: str, action: str, key: str) -> str:
    return f"rule 1 of task {task!r}: {action} when any of events {key}"


def quickstart() -> Workflow:
    with Workflow("quickstart") as workflow:
        t1, t2 = BashOperator("t1", "echo 1"), BashOperator("t2", "echo 2")
        t3, t4 = BashOperator("t3", "echo 3"), BashOperator("t4", "echo 4")
        t3.start_after([t1, t2])
        t4.action_on_event_received(TaskAction.START, "key")
    return workflow


class Sum(Condition):
    """Met once the values of its events add up to 10; keeps the sum in durable state."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor("sum"))
        assert isinstance(state, ValueState)
        total = (state.value() or 0) + int(event.value or 0)
        state.update(total)
        return total >= 10


class Explodes(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        raise ZeroDivisionError("user bug")


def test_starting_queues_the_tasks_without_a_start_rule() -> None:
    view = view_of(quickstart(), WorkflowStatus.INIT)

    decisions = start_execution(view)

    assert decisions == [SetExecutionStatus(WorkflowStatus.RUNNING), QueueTask("t1", 1, initial("t1")),
                         QueueTask("t2", 1, initial("t2"))]
    assert start_execution(view) == []


def test_start_after_fires_only_when_every_upstream_succeeded() -> None:
    view = view_of(quickstart(), t1=R, t2=R)

    assert apply(view, report(view, "t1", S)) == [SetTaskStatus(101, "t1", S)]
    assert apply(view, report(view, "t2", S)) == [
        SetTaskStatus(102, "t2", S), RuleFired("t3", TaskAction.START),
        QueueTask("t3", 1, "rule 1 of task 't3': START when task statuses t1=SUCCESS, t2=SUCCESS")]


def test_reports_for_another_execution_change_nothing() -> None:
    view = view_of(quickstart(), t1=R, t2=S)

    assert apply(view, report(view, "t1", S, execution_id=8)) == []


def test_stale_reports_of_an_earlier_try_are_ignored() -> None:
    view = view_of(quickstart(), t1=R)
    stale = report(view, "t1", F)
    view.latest["t1"] = view.latest["t1"].__class__(101, "t1", 1, 2, R)

    assert apply(view, stale) == []


def test_an_event_starts_its_task_and_start_on_a_live_task_does_nothing() -> None:
    view = view_of(quickstart(), t1=R, t2=R)

    assert apply(view, user_event("key")) == [RuleFired("t4", TaskAction.START),
                                              QueueTask("t4", 1, on_event("t4", "START", "key"))]
    assert apply(view, user_event("key")) == []


def test_restart_stops_the_live_execution_and_starts_the_next_sequence() -> None:
    with Workflow("w") as workflow:
        BashOperator("t", "sleep 9").action_on_event_received(TaskAction.RESTART, "again")
    view = view_of(workflow, t=R)
    restart = on_event("t", "RESTART", "again")

    assert apply(view, user_event("again")) == [
        RuleFired("t", TaskAction.RESTART),
        StopTask(101, "t", 1, TaskStatus.STOPPED, f"{restart}; restart: replaced by sequence 2"),
        QueueTask("t", 2, restart)]


@pytest.mark.parametrize(("current", "ends"), [(Q, TaskStatus.STOPPED), (R, TaskStatus.STOPPING)])
def test_stop_ends_a_queued_task_stopped_and_asks_a_running_one_to_stop(current: TaskStatus, ends: TaskStatus) -> None:
    with Workflow("w") as workflow:
        BashOperator("t", "sleep 9").action_on_event_received(TaskAction.STOP, "halt")
        BashOperator("other", "sleep 9")
    view = view_of(workflow, t=current, other=R)

    assert apply(view, user_event("halt")) == [RuleFired("t", TaskAction.STOP),
                                               StopTask(101, "t", 1, ends, on_event("t", "STOP", "halt"))]


def test_a_task_stopped_by_a_rule_is_not_a_failure() -> None:
    with Workflow("w") as workflow:
        BashOperator("t", "sleep 9").action_on_event_received(TaskAction.STOP, "halt")
    view = view_of(workflow, t=TaskStatus.STOPPING)

    assert apply(view, report(view, "t", TaskStatus.STOPPED))[-1] == SetExecutionStatus(WorkflowStatus.SUCCESS)


def test_the_first_rule_that_fires_wins() -> None:
    with Workflow("w") as workflow:
        task = BashOperator("t", "echo")
        task.action_on_event_received(TaskAction.STOP, "k")
        task.action_on_event_received(TaskAction.RESTART, "k")
        BashOperator("other", "sleep 9")
    view = view_of(workflow, t=R, other=R)

    assert apply(view, user_event("k")) == [RuleFired("t", TaskAction.STOP),
                                            StopTask(101, "t", 1, TaskStatus.STOPPING, on_event("t", "STOP", "k"))]


def test_a_stateful_condition_keeps_its_state_between_events() -> None:
    with Workflow("w") as workflow:
        BashOperator("t", "echo").action_on_condition(TaskAction.START, Sum(["n"]))
        BashOperator("other", "sleep 9")
    view = view_of(workflow, other=R)

    assert apply(view, user_event("n", "4")) == []
    assert apply(view, user_event("n", "5")) == []
    assert apply(view, user_event("n", "1")) == [
        RuleFired("t", TaskAction.START),
        QueueTask("t", 1, "rule 1 of task 't': START when custom Sum(expect_event_keys=['n']) on events n")]
    assert pickle.loads(view.rule_state["t/0"]) == {"sum": 10}


def test_a_condition_that_raises_fails_its_execution_and_stops_its_tasks() -> None:
    with Workflow("w") as workflow:
        BashOperator("first", "echo").action_on_event_received(TaskAction.START, "k")
        task = BashOperator("t", "echo")
        task.action_on_condition(TaskAction.START, Explodes(["k"]))
        BashOperator("streaming", "sleep 99")
    view = view_of(workflow, streaming=R)

    decisions = apply(view, user_event("k"))

    assert isinstance(decisions[0], StopTask) and decisions[0].status == TaskStatus.STOPPING
    assert isinstance(decisions[1], RecordError) and "ZeroDivisionError: user bug" in decisions[1].message
    assert decisions[0].cause == f"the execution failed: {decisions[1].message}"
    assert "rule 1 of task 't'" in decisions[1].message
    assert decisions[2:] == [SetExecutionStatus(WorkflowStatus.FAILED)]
    assert "first" not in view.latest  # the event's earlier action was not taken


def test_a_condition_that_raises_undoes_the_rule_states_the_event_changed() -> None:
    with Workflow("w") as workflow:
        BashOperator("adds", "echo").action_on_condition(TaskAction.START, Sum(["n"]))
        BashOperator("t", "echo").action_on_condition(TaskAction.START, Explodes(["n"]))
        BashOperator("counts_once", "echo").action_on_condition(TaskAction.START, Sum(["m"]))
    view = view_of(workflow, t=R)
    assert apply(view, user_event("m", "4")) == []
    before = dict(view.rule_state)

    apply(view, user_event("n", "4"))  # "adds" keeps a sum of 4, then "t" raises

    assert view.status == WorkflowStatus.FAILED
    assert view.rule_state == before and "adds/0" not in view.rule_state


def test_a_failed_execution_still_records_the_reports_of_the_tasks_it_stops() -> None:
    with Workflow("w") as workflow:
        BashOperator("streaming", "sleep 99", retries=3)
    view = view_of(workflow, WorkflowStatus.FAILED, streaming=TaskStatus.STOPPING)

    assert apply(view, report(view, "streaming", F)) == [SetTaskStatus(101, "streaming", F)]
    assert apply(view, user_event("anything")) == []


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ({"t1": S, "t2": S, "t3": S, "t4": S}, WorkflowStatus.SUCCESS),
        ({"t1": S, "t2": F, "t4": S}, WorkflowStatus.FAILED),  # t3 waits on a FAILED upstream: no hold
        ({"t1": S, "t2": S, "t3": S}, None),  # t4 still waits for a user event
        ({"t1": S, "t2": S, "t3": R, "t4": S}, None),  # a live task
    ],
)
def test_execution_status_follows_design_section_5(runs: dict[str, TaskStatus], expected: Any) -> None:
    view = view_of(quickstart(), **runs)

    decisions = apply(view, user_event("unrelated"))

    assert decisions == ([SetExecutionStatus(expected)] if expected else [])


def test_a_periodic_task_keeps_its_execution_running() -> None:
    with Workflow("w") as workflow:
        BashOperator("t", "echo", periodic_expression="interval@0 0 0 2")
    view = view_of(workflow, t=R)

    assert apply(view, report(view, "t", S)) == [SetTaskStatus(101, "t", S)]
    assert fire_periodic(view, "t") == [QueueTask("t", 2, "periodic interval@0 0 0 2")]


def test_a_failed_try_with_retries_left_is_retried() -> None:
    with Workflow("w") as workflow:
        BashOperator("now", "false", retries=1)
        BashOperator("later", "false", retries=1, retry_delay=30)
    view = view_of(workflow, now=R, later=R)

    assert apply(view, report(view, "now", F, error="exit 1")) == [
        SetTaskStatus(101, "now", TaskStatus.RETRYING, "exit 1"), RetryTask(101, "now", 2, "retry 1 of 1 after FAILED")]
    assert apply(view, report(view, "later", F)) == [SetTaskStatus(102, "later", TaskStatus.RETRYING)]
    assert retry_due(view, "later", 102, 1) == [RetryTask(102, "later", 2, "retry 1 of 1 after FAILED")]
    assert retry_due(view, "later", 102, 1) == []
    assert apply(view, report(view, "now", F))[0] == SetTaskStatus(101, "now", F)


def test_stop_ends_every_live_task_and_then_the_execution_is_stopped() -> None:
    view = view_of(quickstart(), t1=R, t2=Q)

    assert stop_execution(view) == [
        StopTask(101, "t1", 1, TaskStatus.STOPPING, STOP_COMMAND),
        StopTask(102, "t2", 1, TaskStatus.STOPPED, STOP_COMMAND)]
    assert apply(view, user_event("key")) == []
    assert apply(view, report(view, "t1", TaskStatus.STOPPED)) == [
        SetTaskStatus(101, "t1", TaskStatus.STOPPED), SetExecutionStatus(WorkflowStatus.STOPPED)]
    assert stop_execution(view) == []
