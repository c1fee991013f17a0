"""Describing a loaded workflow (or one condition) as a plan: done where user code may run.

The loader's sandboxed child calls :func:`describe_workflow` after it ran the workflow file, and
the SDK calls :func:`describe_condition` for a trigger. Built-in conditions become plain data; a
user's ``Condition`` subclass (or a subclass of a built-in one) is pickled by value, so a
sandboxed evaluator can load it without the workflow file.
"""

from __future__ import annotations

import cloudpickle

from aiflow.errors import InvalidInputError
from aiflow.model.condition import Condition
from aiflow.model.internal.conditions import (
    MeetAllEventCondition,
    MeetAnyEventCondition,
    SingleEventCondition,
    TaskStatusAllMetCondition,
    TaskStatusCondition,
)
from aiflow.model.validation import WorkflowDefinitionError
from aiflow.model.workflow import Workflow
from aiflow.plan import (
    ConditionPlan,
    CustomCondition,
    EventCondition,
    Match,
    PlanError,
    RulePlan,
    StatusCondition,
    StatusRequirement,
    TaskPlan,
    WorkflowPlan,
)
from aiflow.plan.conditions import MAX_LABEL_CHARS
from aiflow.plan.shape import event_keys


def describe_workflow(workflow: Workflow) -> WorkflowPlan:
    """Return the plan of ``workflow``, validated as the scheduler will read it.

    Raises:
        WorkflowDefinitionError: a rule's condition cannot be described (bad keys, does not pickle),
            located at the rule.
    """
    tasks = {name: TaskPlan(name, task.queue, task.retries, task.retry_delay, task.timeout, task.periodic_expression)
             for name, task in workflow.tasks.items()}
    rules: dict[str, tuple[RulePlan, ...]] = {}
    for name, task_rules in workflow.rules.items():
        described = []
        for rule in task_rules:
            where = str(rule.declared_at) if rule.declared_at else None
            try:
                described.append(RulePlan(rule.action, describe_condition(rule.condition), where))
            except InvalidInputError as exc:
                raise WorkflowDefinitionError(f"A rule of task {name!r}: {exc}", rule.declared_at) from None
        rules[name] = tuple(described)
    plan = WorkflowPlan(workflow.name, workflow.namespace, tasks, rules)
    return WorkflowPlan.from_json(plan.to_json())  # what the scheduler will read: checked the same way


def describe_condition(condition: Condition) -> ConditionPlan:
    """Return the plan of one condition.

    Raises:
        InvalidInputError: its expected keys are not a non-empty list of keys, or it does not pickle.
    """
    label = _label(condition)
    keys = event_keys(getattr(condition, "expect_event_keys", None), label[:200])
    kind = type(condition)
    if kind in (SingleEventCondition, MeetAnyEventCondition):
        return EventCondition(keys, Match.ANY)
    if kind is MeetAllEventCondition:
        return EventCondition(keys, Match.ALL)
    if kind is TaskStatusCondition:
        return StatusCondition((_requirement(condition),))
    if isinstance(condition, TaskStatusAllMetCondition) and kind is TaskStatusAllMetCondition \
            and all(type(c) is TaskStatusCondition for c in condition.conditions):
        return StatusCondition(tuple(_requirement(c) for c in condition.conditions))
    try:
        code = cloudpickle.dumps(condition)
    except Exception as exc:  # whatever the user's object holds may refuse to pickle in its own way
        raise PlanError(f"condition {label:.200} cannot be serialized: {type(exc).__name__}: {exc}") from None
    return CustomCondition(keys, label, code)


def rebuild_condition(plan: ConditionPlan) -> Condition:
    """Return a model condition equivalent to ``plan``.

    A custom one is unpickled: do it only where its code may run (the SDK user's own process).
    """
    if isinstance(plan, EventCondition):
        if plan.match == Match.ALL:
            return MeetAllEventCondition(list(plan.keys))
        return SingleEventCondition(plan.keys[0]) if len(plan.keys) == 1 else MeetAnyEventCondition(list(plan.keys))
    if isinstance(plan, StatusCondition):
        conditions = [TaskStatusCondition(r.task, r.status) for r in plan.requirements]
        return conditions[0] if len(conditions) == 1 else TaskStatusAllMetCondition(conditions)
    condition = cloudpickle.loads(plan.code)
    if not isinstance(condition, Condition):
        raise PlanError(f"the custom condition {plan.label} unpickles to a {type(condition).__name__}")
    return condition


def _requirement(condition: Condition) -> StatusRequirement:
    assert isinstance(condition, TaskStatusCondition)
    return StatusRequirement(condition.task_name, condition.expect_status)


def _label(condition: Condition) -> str:
    try:
        return repr(condition)[:MAX_LABEL_CHARS]
    except Exception:  # a user's __repr__ may fail like any user code
        return f"<{type(condition).__qualname__}>"[:MAX_LABEL_CHARS]
