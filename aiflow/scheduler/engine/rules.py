"""Evaluating a task's rules against one event: declaration order, first action wins, errors contained."""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiflow.model.action import TaskAction
from aiflow.model.context import MappingContext
from aiflow.model.internal.events import is_task_status_event_key
from aiflow.model.rule import TaskRule
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import Workflow
from notification.event import Event


@dataclass(frozen=True)
class RuleOutcome:
    """The action a task's rules chose for an event (None: no rule fired), and any condition errors."""

    action: TaskAction | None
    errors: tuple[str, ...] = ()


def state_key(task_name: str, rule_index: int) -> str:
    """Return the name under which one rule's durable state is kept."""
    return f"{task_name}/{rule_index}"


def evaluate_task_rules(
    workflow: Workflow,
    task_name: str,
    event: Event,
    statuses: Mapping[str, TaskStatus],
    rule_state: dict[str, dict[str, Any]],
) -> RuleOutcome:
    """Evaluate ``task_name``'s rules in declaration order and return the first action that fires.

    Each rule sees its own durable state. A condition that raises counts as not
    met; its traceback is returned so the user can see it.
    """
    errors: list[str] = []
    for index, rule in enumerate(workflow.task_rules(task_name)):
        if event.key not in rule.condition.expect_event_keys:
            continue
        context = MappingContext(statuses, rule_state.setdefault(state_key(task_name, index), {}))
        try:
            met = rule.condition.is_met(event, context)
        except Exception:  # user code: contained, recorded, never fatal
            errors.append(_describe_failure(task_name, index, rule, event))
            continue
        if met:
            return RuleOutcome(rule.action, tuple(errors))
    return RuleOutcome(None, tuple(errors))


def waits_for_user_event(workflow: Workflow, task_name: str) -> bool:
    """Return whether a START rule of ``task_name`` expects an event other than a task status."""
    return any(
        rule.action == TaskAction.START
        and any(not is_task_status_event_key(key) for key in rule.condition.expect_event_keys)
        for rule in workflow.task_rules(task_name)
    )


def _describe_failure(task_name: str, index: int, rule: TaskRule, event: Event) -> str:
    where = f" (declared at {rule.declared_at})" if rule.declared_at else ""
    return (
        f"Condition {rule.condition!r} of rule {index + 1} of task {task_name!r}{where} raised on event "
        f"{event.key!r} at offset {event.offset}:\n{traceback.format_exc()}"
    )
