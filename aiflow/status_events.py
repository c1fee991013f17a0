"""Task status events: how workers (and the scheduler's own chores) report a task try's status.

The key is ``aiflow.task_status:<task name>`` (see :mod:`aiflow.model.internal.events`), so task
rules of every execution expect the same key; the context names the execution, the task execution
and the try, so the scheduler applies the report to that execution only. A worker's RUNNING report
also names the worker (Celery's node name, e.g. ``celery@host``), which the try's timeline keeps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiflow.errors import InvalidInputError
from aiflow.model.internal.events import task_name_of_status_event_key, task_status_event_key
from aiflow.model.status import TaskStatus
from notification.event import Event


@dataclass(frozen=True)
class TaskStatusReport:
    """One try of one task execution reached ``status``."""

    namespace: str
    workflow_execution_id: int
    task_name: str
    task_execution_id: int
    try_number: int
    status: TaskStatus
    error: str | None = None
    #: The scheduler found the try's worker gone (no heartbeat); the try may still run somewhere cut off.
    lost: bool = False
    #: The worker that claimed the try (in RUNNING reports of workers).
    worker: str | None = None

    def to_event(self, sender: str) -> Event:
        """Return the event that carries this report."""
        context: dict[str, int | str | bool] = {
            "workflow_execution_id": self.workflow_execution_id,
            "task_execution_id": self.task_execution_id,
            "try_number": self.try_number,
        }
        if self.error is not None:
            context["error"] = self.error
        if self.lost:
            context["lost"] = True
        if self.worker is not None:
            context["worker"] = self.worker
        return Event(key=task_status_event_key(self.task_name), value=self.status.value,
                     namespace=self.namespace, sender=sender, context=json.dumps(context))

    @classmethod
    def from_event(cls, event: Event) -> TaskStatusReport | None:
        """Read the report an event carries; None when it is not a task status event.

        Raises:
            InvalidInputError: it has a task status key but a malformed value or context.
        """
        task_name = task_name_of_status_event_key(event.key)
        if task_name is None:
            return None
        try:
            context = json.loads(event.context or "")
            return cls(
                namespace=event.namespace or "",
                workflow_execution_id=int(context["workflow_execution_id"]),
                task_name=task_name,
                task_execution_id=int(context["task_execution_id"]),
                try_number=int(context["try_number"]),
                status=TaskStatus(event.value),
                error=_optional_text(context, "error"),
                lost=context.get("lost") is True,
                worker=_optional_text(context, "worker"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"malformed task status event at offset {event.offset}: {exc}") from None


def _optional_text(context: dict[str, object], name: str) -> str | None:
    value = context.get(name)
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}")
    return value


def execution_id_of(event: Event) -> int | None:
    """Return the workflow execution an event is addressed to (from its JSON context), if any."""
    if not event.context or not event.context.startswith("{"):
        return None
    try:
        value = json.loads(event.context).get("workflow_execution_id")
    except (ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None
