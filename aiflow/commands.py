"""Command events: how the API server asks the scheduler to act.

The API server never changes execution state. It publishes a command event
to the ordered log and the scheduler, the single writer of execution state,
applies it in order with every other event. All commands share one key,
:data:`COMMAND_EVENT_KEY`; the value is the command as JSON and the event's
namespace is the namespace of the workflow concerned.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum

from aiflow.errors import InvalidInputError
from notification.event import Event

COMMAND_EVENT_KEY = "aiflow.command"
COMMAND_SENDER = "aiflow.api"


class CommandKind(str, Enum):
    """What a command asks for; the fields each kind needs are listed with it."""

    START_WORKFLOW_EXECUTION = "start_workflow_execution"  # workflow_execution_id (row already created, INIT)
    STOP_WORKFLOW_EXECUTION = "stop_workflow_execution"  # workflow_execution_id
    STOP_ALL_WORKFLOW_EXECUTIONS = "stop_all_workflow_executions"  # workflow_id
    START_TASK_EXECUTION = "start_task_execution"  # workflow_execution_id, task_name
    STOP_TASK_EXECUTION = "stop_task_execution"  # workflow_execution_id, task_name
    RESTART_TASK_EXECUTION = "restart_task_execution"  # workflow_execution_id, task_name
    WORKFLOW_CHANGED = "workflow_changed"  # workflow_id: uploaded, enabled, disabled or deleted
    SCHEDULES_CHANGED = "schedules_changed"  # workflow_id: a schedule added, paused, resumed or deleted
    TRIGGERS_CHANGED = "triggers_changed"  # workflow_id: a trigger added, paused, resumed or deleted


@dataclass(frozen=True)
class Command:
    """One request to the scheduler."""

    kind: CommandKind
    workflow_id: int | None = None
    workflow_execution_id: int | None = None
    task_name: str | None = None

    def to_event(self, namespace: str) -> Event:
        """Return the event that carries this command."""
        body = {name: value for name, value in asdict(self).items() if value is not None}
        body["kind"] = self.kind.value
        return Event(key=COMMAND_EVENT_KEY, value=json.dumps(body, sort_keys=True),
                     namespace=namespace, sender=COMMAND_SENDER)

    @classmethod
    def from_event(cls, event: Event) -> Command:
        """Read the command an event carries.

        Raises:
            InvalidInputError: the event is not a well-formed command.
        """
        try:
            body = json.loads(event.value or "")
            return cls(
                kind=CommandKind(body["kind"]),
                workflow_id=body.get("workflow_id"),
                workflow_execution_id=body.get("workflow_execution_id"),
                task_name=body.get("task_name"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidInputError(f"malformed command event at offset {event.offset}: {exc}") from None
