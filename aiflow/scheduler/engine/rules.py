"""Evaluating a task's rules against one event: declaration order, first action wins.

Built-in conditions are evaluated here, from their plans. A custom condition is handed to the
:class:`CustomEvaluator` the caller passes (a sandboxed process in the scheduler); this module only
sees its verdict. A condition that fails (raises, hangs, crashes its evaluator, keeps state that
cannot be pickled) ends the evaluation with the error, which quarantines the execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus
from aiflow.plan import ConditionPlan, CustomCondition, EventCondition, RulePlan, WorkflowPlan
from notification.event import Event


@dataclass(frozen=True)
class Verdict:
    """What evaluating a condition gave: met or not and the state after it, or why it failed."""

    met: bool
    state: bytes | None = None
    error: str | None = None


class CustomEvaluator(Protocol):
    """Evaluates a user's condition of ``namespace`` outside the scheduler (see aiflow/evaluator)."""

    def __call__(self, namespace: str, condition: CustomCondition, event: Event,
                 statuses: Mapping[str, TaskStatus], state: bytes | None) -> Verdict: ...


@dataclass(frozen=True)
class RuleOutcome:
    """The action a task's rules chose for an event (None: no rule fired) and which rule it was, or the error."""

    action: TaskAction | None
    error: str | None = None
    cause: str = ""


def state_key(task_name: str, rule_index: int) -> str:
    """Return the name under which one rule's durable state is kept."""
    return f"{task_name}/{rule_index}"


def evaluate(condition: ConditionPlan, namespace: str, event: Event, statuses: Mapping[str, TaskStatus],
             state: bytes | None, custom: CustomEvaluator) -> Verdict:
    """Evaluate one condition for an event it expects; custom conditions go to ``custom``."""
    if isinstance(condition, EventCondition):
        met, new_state = condition.is_met(event.key, state)
        return Verdict(met, new_state)
    if isinstance(condition, CustomCondition):
        return custom(namespace, condition, event, statuses, state)
    return Verdict(condition.is_met(statuses), state)


def evaluate_task_rules(plan: WorkflowPlan, namespace: str, task_name: str, event: Event,
                        statuses: Mapping[str, TaskStatus], rule_state: dict[str, bytes],
                        custom: CustomEvaluator) -> RuleOutcome:
    """Evaluate ``task_name``'s rules in declaration order and return the first action that fires.

    Each rule sees its own durable state in ``rule_state``, which is updated in place. Later rules
    are not evaluated once one fires, so their stateful conditions do not see the event.
    """
    for index, rule in enumerate(plan.task_rules(task_name)):
        if event.key not in rule.condition.expect_event_keys:
            continue
        name = state_key(task_name, index)
        verdict = evaluate(rule.condition, namespace, event, statuses, rule_state.get(name), custom)
        if verdict.error is not None:
            return RuleOutcome(None, _describe_failure(task_name, index, rule, event, verdict.error))
        if verdict.state is None:
            rule_state.pop(name, None)
        else:
            rule_state[name] = verdict.state
        if verdict.met:
            return RuleOutcome(rule.action, cause=describe_rule(task_name, index, rule))
    return RuleOutcome(None)


def describe_rule(task_name: str, index: int, rule: RulePlan) -> str:
    """Say which rule fired, in words: ``rule 2 of task 'task4': START when task statuses task3=SUCCESS``."""
    return f"rule {index + 1} of task {task_name!r}: {rule.action.value} when {rule.condition.describe()}"


def _describe_failure(task_name: str, index: int, rule: RulePlan, event: Event, error: str) -> str:
    condition = rule.condition.describe()
    where = f" (declared at {rule.declared_at})" if rule.declared_at else ""
    return (f"Condition {condition} of rule {index + 1} of task {task_name!r}{where} failed on event "
            f"{event.key!r} at offset {event.offset}:\n{error}")
