"""The plan of one workflow: its tasks and task rules as the scheduler needs them (see README.md).

JSON form, version :data:`PLAN_VERSION`::

    {"version": 1, "name": "...", "namespace": "...",
     "tasks": [{"name", "queue", "retries", "retry_delay", "timeout", "periodic"}, ...],
     "rules": [{"task", "action", "condition": {...}, "declared_at"}, ...]}

Times are seconds; ``periodic`` is a ``cron@``/``interval@`` expression or null; rules are in
declaration order; conditions are described in :mod:`aiflow.plan.conditions`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from aiflow.errors import InvalidInputError
from aiflow.model.action import TaskAction
from aiflow.model.internal.events import is_task_status_event_key, task_name_of_status_event_key
from aiflow.model.names import check_name
from aiflow.model.periodic import PeriodicExpression
from aiflow.plan.conditions import ConditionPlan, StatusCondition, condition_from_dict
from aiflow.plan.shape import PlanError, member, number, obj

PLAN_VERSION = 1
MAX_TASKS = 10_000
MAX_RULES = 100_000
MAX_RETRIES = 1000
MAX_SECONDS = 10 * 365 * 24 * 3600
"""Longest retry delay or time-out a plan may hold (ten years)."""


@dataclass(frozen=True)
class TaskPlan:
    """What scheduling needs of one task (its operator's options)."""

    name: str
    queue: str | None = None
    retries: int = 0
    retry_delay: timedelta = timedelta(0)
    timeout: timedelta | None = None
    periodic: PeriodicExpression | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "queue": self.queue, "retries": self.retries,
                "retry_delay": self.retry_delay.total_seconds(),
                "timeout": self.timeout.total_seconds() if self.timeout is not None else None,
                "periodic": str(self.periodic) if self.periodic is not None else None}


@dataclass(frozen=True)
class RulePlan:
    """Take ``action`` on the rule's task when ``condition`` is met."""

    action: TaskAction
    condition: ConditionPlan
    declared_at: str | None = None


@dataclass(frozen=True)
class WorkflowPlan:
    """A workflow's tasks (in declaration order) and each task's rules (in declaration order)."""

    name: str
    namespace: str
    tasks: dict[str, TaskPlan]
    rules: dict[str, tuple[RulePlan, ...]] = field(default_factory=dict)

    # A plan is applied to every event of its executions; what is asked of it per event is worked out
    # once (cached_property writes the instance's __dict__, which a frozen dataclass allows).

    def task_rules(self, task_name: str) -> tuple[RulePlan, ...]:
        return self.rules.get(task_name, ())

    def initial_task_names(self) -> list[str]:
        """Return the tasks that start with each execution: those with no START rule."""
        return [name for name in self.tasks if all(r.action != TaskAction.START for r in self.task_rules(name))]

    def expected_keys(self) -> frozenset[str]:
        """Return every event key a rule of the workflow expects."""
        return frozenset(self._tasks_by_key)

    def tasks_expecting(self, key: str) -> tuple[str, ...]:
        """Return the tasks with a rule that expects ``key``, in declaration order."""
        return self._tasks_by_key.get(key, ())

    @cached_property
    def _tasks_by_key(self) -> dict[str, tuple[str, ...]]:
        by_key: dict[str, dict[str, None]] = {}
        for name in self.tasks:
            for rule in self.task_rules(name):
                for key in rule.condition.expect_event_keys:
                    by_key.setdefault(key, {})[name] = None
        return {key: tuple(names) for key, names in by_key.items()}

    @cached_property
    def user_event_waiters(self) -> frozenset[str]:
        """The tasks with a START rule that expects an event other than a task status."""
        return frozenset(
            name for name in self.tasks for rule in self.task_rules(name)
            if rule.action == TaskAction.START
            and any(not is_task_status_event_key(key) for key in rule.condition.expect_event_keys)
        )

    @cached_property
    def has_periodic_task(self) -> bool:
        return any(task.periodic is not None for task in self.tasks.values())

    def to_dict(self) -> dict[str, Any]:
        rules = [{"task": task, "action": rule.action.value, "condition": rule.condition.to_dict(),
                  "declared_at": rule.declared_at} for task, task_rules in self.rules.items() for rule in task_rules]
        return {"version": PLAN_VERSION, "name": self.name, "namespace": self.namespace,
                "tasks": [task.to_dict() for task in self.tasks.values()], "rules": rules}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes | None) -> WorkflowPlan:
        """Read and validate a plan document.

        Raises:
            PlanError: it is not JSON, of another version, or of the wrong shape; the message says where.
        """
        if not text:
            raise PlanError("the snapshot has no plan (it was stored by an older version): upload the workflow again")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise PlanError(f"the plan is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> WorkflowPlan:
        """Validate a plan's JSON form (see :meth:`from_json`)."""
        data = obj(data, "plan")
        if data.get("version") != PLAN_VERSION:
            raise PlanError(f"plan version {data.get('version')!r:.20} is not {PLAN_VERSION}")
        name, namespace = _name("workflow", data.get("name")), _name("namespace", data.get("namespace"))
        tasks = _tasks(member(data, "tasks", list, "plan"))
        rules: dict[str, list[RulePlan]] = {}
        for index, item in enumerate(_bounded(member(data, "rules", list, "plan"), MAX_RULES, "rules")):
            task, rule = _rule(obj(item, f"rule {index + 1}"), tasks, index)
            rules.setdefault(task, []).append(rule)
        return cls(name, namespace, tasks, {task: tuple(task_rules) for task, task_rules in rules.items()})


def _name(kind: str, value: object) -> str:
    try:
        check_name(kind.capitalize(), value)
    except InvalidInputError as exc:
        raise PlanError(f"plan: {exc}") from None
    return str(value)


def _bounded(items: list[Any], limit: int, what: str) -> list[Any]:
    if len(items) > limit:
        raise PlanError(f"plan: more than {limit} {what}")
    return items


def _tasks(items: list[Any]) -> dict[str, TaskPlan]:
    tasks: dict[str, TaskPlan] = {}
    for item in _bounded(items, MAX_TASKS, "tasks"):
        task = _task(obj(item, "task"))
        if task.name in tasks:
            raise PlanError(f"plan: task {task.name!r} is declared twice")
        tasks[task.name] = task
    return tasks


def _task(data: dict[str, Any]) -> TaskPlan:
    name = _name("task", data.get("name"))
    where = f"task {name!r}"
    retries = member(data, "retries", int, where)
    if not 0 <= retries <= MAX_RETRIES:
        raise PlanError(f"{where}: retries must be from 0 to {MAX_RETRIES}")
    timeout = None
    if data.get("timeout") is not None:
        timeout = timedelta(seconds=number(data, "timeout", where, maximum=MAX_SECONDS))
    periodic_text = member(data, "periodic", str, where, optional=True)
    try:
        periodic = PeriodicExpression.parse(periodic_text) if periodic_text is not None else None
    except InvalidInputError as exc:
        raise PlanError(f"{where}: {exc}") from None
    queue = member(data, "queue", str, where, optional=True)
    if queue is not None and not 0 < len(queue) <= 255:
        raise PlanError(f"{where}: a queue name must have 1 to 255 characters")
    return TaskPlan(name, queue, retries, timedelta(seconds=number(data, "retry_delay", where, maximum=MAX_SECONDS)),
                    timeout, periodic)


def _rule(data: dict[str, Any], tasks: dict[str, TaskPlan], index: int) -> tuple[str, RulePlan]:
    where = f"rule {index + 1}"
    task = member(data, "task", str, where)
    if task not in tasks:
        raise PlanError(f"{where}: no task {task!r:.80} in the plan")
    try:
        action = TaskAction(data.get("action"))
    except ValueError:
        raise PlanError(f"{where}: unknown action {data.get('action')!r:.80}") from None
    condition = condition_from_dict(data.get("condition"), f"{where} of task {task!r}")
    upstream = [r.task for r in condition.requirements] if isinstance(condition, StatusCondition) else [
        name for name in map(task_name_of_status_event_key, condition.expect_event_keys) if name is not None]
    missing = [name for name in upstream if name not in tasks]
    if missing:
        raise PlanError(f"{where} of task {task!r} depends on {missing[0]!r:.80}, which is not a task of the workflow")
    declared_at = member(data, "declared_at", str, where, optional=True)
    return task, RulePlan(action, condition, declared_at[:1024] if declared_at else None)
