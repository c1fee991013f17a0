"""Built-in conditions, custom stateful conditions and rule evaluation."""

from __future__ import annotations

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.context import Context, MappingContext
from aiflow.model.internal.conditions import (
    MeetAllEventCondition,
    MeetAnyEventCondition,
    SingleEventCondition,
    TaskStatusAllMetCondition,
    TaskStatusCondition,
)
from aiflow.model.internal.events import (
    is_task_status_event_key,
    task_name_of_status_event_key,
    task_status_event_key,
)
from aiflow.model.rule import TaskRule, WorkflowRule, first_action
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import TaskStatus
from notification.event import Event

SUCCESS, FAILED, RUNNING = TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.RUNNING


class NumCondition(Condition):
    """The spec's example: met once the event values add up to 100."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor(name="num_state"))
        assert isinstance(state, ValueState)
        num = int(state.value() or 0) + int(event.value)
        if num >= 100:
            return True
        state.update(num)
        return False


def status_event(task_name: str) -> Event:
    return Event(key=task_status_event_key(task_name), value="ignored")


@pytest.mark.parametrize(
    ("condition", "statuses", "met"),
    [
        (TaskStatusCondition("a", SUCCESS), {"a": SUCCESS}, True),
        (TaskStatusCondition("a", SUCCESS), {"a": FAILED}, False),
        (TaskStatusCondition("a", SUCCESS), {}, False),
        (TaskStatusAllMetCondition([TaskStatusCondition("a", SUCCESS), TaskStatusCondition("b", FAILED)]),
         {"a": SUCCESS, "b": FAILED}, True),
        (TaskStatusAllMetCondition([TaskStatusCondition("a", SUCCESS), TaskStatusCondition("b", FAILED)]),
         {"a": SUCCESS, "b": RUNNING}, False),
    ],
)
def test_task_status_conditions_read_the_latest_statuses(condition, statuses, met):
    assert condition.is_met(status_event("a"), MappingContext(task_statuses=statuses)) is met


def test_meet_all_waits_for_every_key_then_starts_over():
    condition = MeetAllEventCondition(["a", "b"])
    context = MappingContext()
    results = [condition.is_met(Event(key=k), context) for k in ["a", "a", "x", "b", "b", "a", "b"]]
    assert results == [False, False, False, True, False, True, False]


@pytest.mark.parametrize(
    ("condition", "key", "met"),
    [
        (SingleEventCondition("k"), "k", True),
        (SingleEventCondition("k"), "other", False),
        (MeetAnyEventCondition(["a", "b"]), "b", True),
        (MeetAnyEventCondition(["a", "b"]), "c", False),
    ],
)
def test_stateless_event_conditions(condition, key, met):
    assert condition.is_met(Event(key=key), MappingContext()) is met


@pytest.mark.parametrize(
    ("keys", "message"),
    [("num_event", "not the string"), ([], "at least one"), (["ok", ""], "non-empty strings")],
)
def test_condition_rejects_bad_expected_keys(keys, message):
    with pytest.raises(InvalidInputError, match=message):
        MeetAnyEventCondition(keys)


def test_custom_condition_keeps_state_in_the_context_mapping():
    states: dict[str, object] = {}
    rule = TaskRule(NumCondition(expect_event_keys=["num_event"]), TaskAction.START)
    context = MappingContext(states=states)

    actions = [rule.trigger(Event(key="num_event", value=v), context) for v in ["60", "30", "10"]]

    assert actions == [None, None, TaskAction.START]
    assert states == {"num_state": 90}


def test_rules_ignore_events_they_do_not_expect():
    context = MappingContext(states={})
    rule = TaskRule(NumCondition(expect_event_keys=["num_event"]), TaskAction.START)
    assert rule.trigger(Event(key="other", value="500"), context) is None
    assert context.states == {}
    trigger = WorkflowRule(SingleEventCondition("go"))
    assert (trigger.trigger(Event(key="go"), context), trigger.trigger(Event(key="no"), context)) == (
        True,
        False,
    )


def test_first_triggered_rule_wins_and_later_rules_are_not_evaluated():
    states: dict[str, object] = {}
    rules = [
        TaskRule(SingleEventCondition("stop"), TaskAction.STOP),
        TaskRule(SingleEventCondition("num_event"), TaskAction.RESTART),
        TaskRule(NumCondition(["num_event"]), TaskAction.START),
    ]
    context = MappingContext(states=states)
    assert first_action(rules, Event(key="num_event", value="5"), context) is TaskAction.RESTART
    assert first_action(rules, Event(key="nothing"), context) is None
    assert states == {}


def test_task_status_event_keys_round_trip():
    key = task_status_event_key("train")
    assert is_task_status_event_key(key)
    assert task_name_of_status_event_key(key) == "train"
    assert task_name_of_status_event_key("train") is None


def test_value_state_update_and_clear():
    context = MappingContext()
    state = context.get_state(ValueStateDescriptor("s"))
    assert isinstance(state, ValueState)
    assert state.value() is None
    state.update([1, 2])
    assert (state.value(), context.states) == ([1, 2], {"s": [1, 2]})
    state.clear()
    assert (state.value(), context.states) == (None, {})
