"""Events the scheduler's chores publish so that time-driven changes go through the ordered log.

A chore never changes state itself: it publishes one of these, and the
scheduler applies it in log order like any other event. Each carries what
identifies it (schedule and due time, task try), so applying a duplicate
changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from notification.event import Event

SCHEDULE_TICK_KEY = "aiflow.schedule_tick"
PERIODIC_TICK_KEY = "aiflow.periodic_tick"
RETRY_DUE_KEY = "aiflow.retry_due"
SCHEDULE_FAULT_KEY = "aiflow.schedule_fault"
EXECUTION_FAULT_KEY = "aiflow.execution_fault"
START_MISSED_KEY = "aiflow.start_missed"
SCHEDULER_SENDER = "aiflow.scheduler"


@dataclass(frozen=True)
class ScheduleTick:
    """Workflow schedule ``schedule_id`` is due at ``due``: start a PERIODIC execution."""

    schedule_id: int
    due: datetime

    @property
    def request_id(self) -> str:
        return f"schedule:{self.schedule_id}:{self.due.isoformat()}"


@dataclass(frozen=True)
class PeriodicTick:
    """Periodic task ``task_name`` of an execution is due at ``due``: restart it."""

    workflow_execution_id: int
    task_name: str
    due: datetime

    @property
    def request_id(self) -> str:
        return f"periodic:{self.workflow_execution_id}:{self.task_name}:{self.due.isoformat()}"


@dataclass(frozen=True)
class RetryDue:
    """The retry delay of try ``try_number`` of a task execution has passed: queue the next try."""

    workflow_execution_id: int
    task_name: str
    task_execution_id: int
    try_number: int

    @property
    def request_id(self) -> str:
        return f"retry:{self.task_execution_id}:{self.try_number}"


@dataclass(frozen=True)
class ScheduleFault:
    """Schedule ``schedule_id`` (expression ``expression``) cannot be evaluated: take it out of play."""

    schedule_id: int
    expression: str
    error: str

    @property
    def request_id(self) -> str:
        return f"schedule-fault:{self.schedule_id}:{self.expression}"


@dataclass(frozen=True)
class ExecutionFault:
    """Something a chore needs of an execution (its periodic tasks, its retries) fails: fail the execution."""

    workflow_execution_id: int
    error: str

    @property
    def request_id(self) -> str:
        return f"execution-fault:{self.workflow_execution_id}"


@dataclass(frozen=True)
class StartMissed:
    """An execution is still INIT long after it was created: its start command never reached the log."""

    workflow_execution_id: int

    @property
    def request_id(self) -> str:
        return f"start-missed:{self.workflow_execution_id}"


TimerEvent = ScheduleTick | PeriodicTick | RetryDue | ScheduleFault | ExecutionFault | StartMissed
_KEYS: dict[type, str] = {
    ScheduleTick: SCHEDULE_TICK_KEY, PeriodicTick: PERIODIC_TICK_KEY, RetryDue: RETRY_DUE_KEY,
    ScheduleFault: SCHEDULE_FAULT_KEY, ExecutionFault: EXECUTION_FAULT_KEY, StartMissed: START_MISSED_KEY,
}


_KINDS: dict[str, type] = {key: kind for kind, key in _KEYS.items()}


def to_event(timer: TimerEvent, namespace: str) -> Event:
    """Return the event carrying ``timer``."""
    body = {name: value.isoformat() if isinstance(value, datetime) else value for name, value in asdict(timer).items()}
    return Event(key=_KEYS[type(timer)], value=json.dumps(body), namespace=namespace, sender=SCHEDULER_SENDER)


def from_event(event: Event) -> TimerEvent | None:
    """Return the timer event ``event`` carries, or None for any other event."""
    kind = _KINDS.get(event.key)
    if kind is None:
        return None
    body = json.loads(event.value or "{}")
    if not isinstance(body, dict):
        raise ValueError(f"the value of a {event.key} event must be a JSON object")
    if "due" in body:
        body["due"] = datetime.fromisoformat(body["due"])
    timer: TimerEvent = kind(**body)
    for field_ in fields(timer):
        if not isinstance(getattr(timer, field_.name), _FIELD_TYPES[field_.type]):
            raise ValueError(f"{event.key}: {field_.name} must be {field_.type}")
    return timer


_FIELD_TYPES: dict[Any, type] = {"int": int, "str": str, "datetime": datetime}
