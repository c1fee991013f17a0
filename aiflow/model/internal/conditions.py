"""The built-in conditions behind the operator rule methods and workflow triggers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from aiflow.errors import InvalidInputError
from aiflow.model.condition import Condition
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import TaskStatus

if TYPE_CHECKING:
    from aiflow.model.context import Context
    from notification.event import Event


class SingleEventCondition(Condition):
    """Met by every event with the one expected key."""

    def __init__(self, expect_event_key: str) -> None:
        super().__init__([expect_event_key])

    def is_met(self, event: Event, context: Context) -> bool:
        return event.key in self.expect_event_keys


class MeetAnyEventCondition(Condition):
    """Met by every event with any of the expected keys."""

    def is_met(self, event: Event, context: Context) -> bool:
        return event.key in self.expect_event_keys


class MeetAllEventCondition(Condition):
    """Met once an event with each expected key has arrived; then it starts over.

    The keys seen so far are kept in a value state, so the scheduler must give
    each rule its own state (see :mod:`aiflow.model.state`).
    """

    SEEN_KEYS_STATE = "aiflow.meet_all.seen_keys"

    def is_met(self, event: Event, context: Context) -> bool:
        state = cast(ValueState, context.get_state(ValueStateDescriptor(self.SEEN_KEYS_STATE)))
        seen = set(state.value() or ()) | ({event.key} & set(self.expect_event_keys))
        if seen >= set(self.expect_event_keys):
            state.clear()
            return True
        state.update(sorted(seen))
        return False


class TaskStatusCondition(Condition):
    """Met while the latest execution of one task has the expected status."""

    def __init__(self, task_name: str, expect_status: TaskStatus) -> None:
        super().__init__([task_status_event_key(task_name)])
        self.task_name = task_name
        self.expect_status = TaskStatus(expect_status)

    def is_met(self, event: Event, context: Context) -> bool:
        return context.get_task_status(self.task_name) == self.expect_status

    def __repr__(self) -> str:
        return f"TaskStatusCondition({self.task_name!r}, {self.expect_status.value})"


class TaskStatusAllMetCondition(Condition):
    """Met when every given task status condition is met at once."""

    def __init__(self, conditions: Iterable[TaskStatusCondition]) -> None:
        self.conditions = list(conditions)
        if not self.conditions:
            raise InvalidInputError("A task status rule needs at least one upstream task")
        super().__init__([key for c in self.conditions for key in c.expect_event_keys])

    def is_met(self, event: Event, context: Context) -> bool:
        return all(c.is_met(event, context) for c in self.conditions)

    def __repr__(self) -> str:
        return f"TaskStatusAllMetCondition({self.conditions!r})"
