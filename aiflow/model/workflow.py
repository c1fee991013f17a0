"""Workflows: named collections of tasks and the rules that start, stop and restart them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from aiflow.errors import InvalidInputError
from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.internal.conditions import (
    SingleEventCondition,
    TaskStatusAllMetCondition,
    TaskStatusCondition,
)
from aiflow.model.names import check_name
from aiflow.model.rule import TaskRule
from aiflow.model.source import declaration_site
from aiflow.model.status import TaskStatus
from notification.event import DEFAULT_NAMESPACE

if TYPE_CHECKING:
    from types import TracebackType

    from aiflow.model.operator import Operator


class WorkflowPropertyKeys:
    """Names of the sections of a project configuration (upstream's ``ai_flow.workflow.workflow``)."""

    BLOB = "blob"


class Workflow:
    """A named set of tasks and task rules, declared in a ``with`` block.

    Tasks created inside ``with Workflow(...)`` belong to it; their names must be
    unique within the workflow. ``kwargs`` are kept as workflow-level config.
    """

    def __init__(self, name: str, namespace: str = DEFAULT_NAMESPACE, **kwargs: Any) -> None:
        check_name("Workflow", name)
        check_name("Namespace", namespace)
        self.name = name
        self.namespace = namespace
        self.config: dict[str, Any] = kwargs
        self.tasks: dict[str, Operator] = {}
        self.rules: dict[str, list[TaskRule]] = {}
        self.declared_at = declaration_site(self)

    def __enter__(self) -> Workflow:
        WorkflowContextManager.push_context_managed_workflow(self)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        WorkflowContextManager.pop_context_managed_workflow()

    def __repr__(self) -> str:
        tasks = list(self.tasks)
        return f"Workflow(name={self.name!r}, namespace={self.namespace!r}, tasks={tasks!r})"

    def add_task(self, task: Operator) -> None:
        """Add ``task``; raise :class:`InvalidInputError` if its name is taken."""
        if task.name in self.tasks:
            raise InvalidInputError(
                f"Workflow {self.name!r} already has a task named {task.name!r}"
            )
        self.tasks[task.name] = task

    def task_rules(self, task_name: str) -> list[TaskRule]:
        """Return the rules of ``task_name`` in declaration order."""
        return list(self.rules.get(task_name, ()))

    def initial_task_names(self) -> list[str]:
        """Return the tasks that start with each execution: those with no START rule."""
        return [
            name
            for name in self.tasks
            if all(rule.action != TaskAction.START for rule in self.rules.get(name, ()))
        ]

    def action_on_condition(self, task_name: str, action: TaskAction, condition: Condition) -> None:
        """Take ``action`` on ``task_name`` when ``condition`` is met."""
        if not isinstance(condition, Condition):
            raise InvalidInputError(f"Expected a Condition, got {condition!r}")
        self._add_rule(task_name, condition, action)

    def action_on_event_received(self, task_name: str, event_key: str, action: TaskAction) -> None:
        """Take ``action`` on ``task_name`` whenever an event with ``event_key`` arrives."""
        self._add_rule(task_name, SingleEventCondition(event_key), action)

    def action_on_task_status(
        self,
        task_name: str,
        action: TaskAction,
        upstream_task_status_dict: Mapping[Operator | str, TaskStatus],
    ) -> None:
        """Take ``action`` on ``task_name`` when every upstream task's latest status matches.

        Upstream tasks are given as operators or task names of this workflow.
        """
        conditions = [
            TaskStatusCondition(self._upstream_name(task), status)
            for task, status in upstream_task_status_dict.items()
        ]
        self._add_rule(task_name, TaskStatusAllMetCondition(conditions), action)

    def _upstream_name(self, task: Operator | str) -> str:
        if isinstance(task, str):
            return task
        if task.workflow is not self:
            raise InvalidInputError(
                f"Task {task.name!r} belongs to workflow {task.workflow.name!r}, "
                f"so a rule of workflow {self.name!r} cannot depend on it"
            )
        return task.name

    def _add_rule(self, task_name: str, condition: Condition, action: TaskAction) -> None:
        task = self.tasks.get(task_name)
        if task is None:
            raise InvalidInputError(f"Workflow {self.name!r} has no task named {task_name!r}")
        rule = TaskRule(condition, TaskAction(action), declaration_site(self, task))
        self.rules.setdefault(task_name, []).append(rule)


class WorkflowContextManager:
    """The stack of workflows whose ``with`` blocks are open; new tasks join the top one."""

    _workflows: ClassVar[list[Workflow]] = []

    @classmethod
    def push_context_managed_workflow(cls, workflow: Workflow) -> None:
        """Make ``workflow`` the one new tasks join."""
        cls._workflows.append(workflow)

    @classmethod
    def pop_context_managed_workflow(cls) -> Workflow | None:
        """Close the innermost open workflow and return it."""
        return cls._workflows.pop() if cls._workflows else None

    @classmethod
    def get_current_workflow(cls) -> Workflow | None:
        """Return the innermost open workflow, or ``None`` outside any ``with`` block."""
        return cls._workflows[-1] if cls._workflows else None

