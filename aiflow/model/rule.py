"""Rules: a condition paired with what to do when it is met."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.source import SourceLocation

if TYPE_CHECKING:
    from aiflow.model.context import Context
    from notification.event import Event


def _applies(condition: Condition, event: Event, context: Context) -> bool:
    return event.key in condition.expect_event_keys and condition.is_met(event, context)


@dataclass(frozen=True, eq=False)
class TaskRule:
    """Take ``action`` on a task when ``condition`` is met.

    ``declared_at`` records where the rule was declared, for error messages.
    """

    condition: Condition
    action: TaskAction
    declared_at: SourceLocation | None = field(default=None, compare=False)

    def trigger(self, event: Event, context: Context) -> TaskAction | None:
        """Return the action if ``event`` is expected and meets the condition, else ``None``."""
        return self.action if _applies(self.condition, event, context) else None


@dataclass(frozen=True, eq=False)
class WorkflowRule:
    """Start a workflow execution when ``condition`` is met (a workflow trigger)."""

    condition: Condition

    def trigger(self, event: Event, context: Context) -> bool:
        """Return whether ``event`` is expected and meets the condition."""
        return _applies(self.condition, event, context)


def first_action(rules: Iterable[TaskRule], event: Event, context: Context) -> TaskAction | None:
    """Evaluate ``rules`` in order and return the first action triggered.

    Later rules are not evaluated once one fires, so their stateful conditions
    do not see the event.
    """
    for rule in rules:
        action = rule.trigger(event, context)
        if action is not None:
            return action
    return None
