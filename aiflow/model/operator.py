"""Operators: the templates tasks are made from, and the rule methods every task has."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.names import check_name
from aiflow.model.periodic import PeriodicExpression
from aiflow.model.source import declaration_site
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import WorkflowContextManager

if TYPE_CHECKING:
    from aiflow.model.context import Context


class OperatorConfigItem(str, Enum):
    """The keyword arguments every operator accepts."""

    PERIODIC_EXPRESSION = "periodic_expression"
    """Restart the task on this schedule (``cron@...``/``interval@...``) while it runs."""
    RETRIES = "retries"
    """How many times a failed run is tried again (default 0)."""
    RETRY_DELAY = "retry_delay"
    """Seconds (or a ``timedelta``) to wait before a retry (default 0)."""
    QUEUE = "queue"
    """The worker queue the task runs on (default: the workers' default queue)."""
    TIMEOUT = "timeout"
    """Seconds (or a ``timedelta``) after which a run is stopped and fails (default: none)."""


class Operator:
    """A task of the workflow whose ``with`` block is open when it is created.

    Subclasses take their own parameters and pass ``name`` and the remaining
    keyword arguments here. The common options are listed in
    :class:`OperatorConfigItem`; every keyword argument is also kept in
    ``config``.

    Raises:
        InvalidInputError: no workflow is open, the name is taken, or an option is invalid.
    """

    def __init__(self, name: str, **kwargs: Any) -> None:
        check_name("Task", name)
        workflow = WorkflowContextManager.get_current_workflow()
        if workflow is None:
            raise InvalidInputError(
                f"Task {name!r} must be created inside a 'with Workflow(...)' block"
            )
        self.name = name
        self.config: dict[str, Any] = dict(kwargs)
        try:
            self._parse_options(kwargs)
        except InvalidInputError as err:
            raise InvalidInputError(f"Task {name!r}: {err}") from None
        self.declared_at = declaration_site(self)
        self.workflow = workflow
        workflow.add_task(self)

    def _parse_options(self, kwargs: Mapping[str, Any]) -> None:
        expression = kwargs.get(OperatorConfigItem.PERIODIC_EXPRESSION.value)
        self.periodic_expression: PeriodicExpression | None = (
            None if expression is None else PeriodicExpression.parse(expression)
        )
        self.retries: int = _non_negative_int(
            OperatorConfigItem.RETRIES, kwargs.get(OperatorConfigItem.RETRIES.value, 0)
        )
        self.retry_delay: timedelta = _duration(
            OperatorConfigItem.RETRY_DELAY,
            kwargs.get(OperatorConfigItem.RETRY_DELAY.value, 0),
            allow_zero=True,
        )
        timeout = kwargs.get(OperatorConfigItem.TIMEOUT.value)
        self.timeout: timedelta | None = None
        if timeout is not None:
            self.timeout = _duration(OperatorConfigItem.TIMEOUT, timeout, allow_zero=False)
        self.queue: str | None = kwargs.get(OperatorConfigItem.QUEUE.value)
        if self.queue is not None and (not isinstance(self.queue, str) or not self.queue):
            raise InvalidInputError(f"queue must be a non-empty string, got {self.queue!r}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def start_after(self, tasks: Operator | Sequence[Operator]) -> None:
        """Start this task when the latest executions of all ``tasks`` succeeded."""
        upstream = [tasks] if isinstance(tasks, Operator) else list(tasks)
        statuses: dict[Operator | str, TaskStatus] = {task: TaskStatus.SUCCESS for task in upstream}
        self.action_on_task_status(TaskAction.START, statuses)

    def action_on_task_status(
        self, action: TaskAction, upstream_task_status_dict: Mapping[Operator | str, TaskStatus]
    ) -> None:
        """Take ``action`` when every upstream task's latest execution has the given status."""
        self.workflow.action_on_task_status(self.name, action, upstream_task_status_dict)

    def action_on_event_received(self, action: TaskAction, event_key: str) -> None:
        """Take ``action`` whenever an event with ``event_key`` arrives."""
        self.workflow.action_on_event_received(self.name, event_key, action)

    def action_on_condition(self, action: TaskAction, condition: Condition) -> None:
        """Take ``action`` when an expected event arrives and ``condition`` is met."""
        self.workflow.action_on_condition(self.name, action, condition)


class AIFlowOperator(Operator, ABC):
    """An operator that AIFlow workers run: implement :meth:`start` and usually :meth:`stop`.

    A worker calls :meth:`start`, then :meth:`await_termination`; it calls
    :meth:`stop` from another thread to end the run early.
    """

    @abstractmethod
    def start(self, context: Context) -> None:
        """Begin the work of one task execution."""

    def stop(self, context: Context) -> None:
        """End the work begun by :meth:`start`; the default does nothing."""

    def await_termination(self, context: Context, timeout: float | None = None) -> None:
        """Block until the work ends, or for at most ``timeout`` seconds.

        The default returns at once, for operators whose :meth:`start` does all
        the work. Implementations raise an error when the work failed or did
        not end in time.
        """

    def get_metrics(self, context: Context) -> dict[str, Any]:
        """Return metrics of the current run; the default has none."""
        return {}


def _non_negative_int(item: OperatorConfigItem, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{item.value} must be a non-negative integer, got {value!r}")
    return value


def _duration(item: OperatorConfigItem, value: Any, *, allow_zero: bool) -> timedelta:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = timedelta(seconds=value)
    if not isinstance(value, timedelta) or value < timedelta(0) or (not allow_zero and not value):
        bound = "non-negative" if allow_zero else "positive"
        raise InvalidInputError(
            f"{item.value} must be a {bound} number of seconds or a timedelta, got {value!r}"
        )
    return value
