"""Task timeline steps as the scheduler writes them: with the decision, in the same transaction.

Each decision about a task execution (queued, retried, stopped, a status recorded) becomes one
``task_timeline`` row holding the event being applied (its offset, key, sender and value, cut to
their columns) and the cause in words. A batch's rows are inserted in one executemany once its new
task executions have ids (:meth:`Steps.insert`). The ``start_sent`` and ``stop_sent`` steps are
written when jobs are marked sent (:func:`aiflow.scheduler.outbox.mark_sent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from aiflow.metadata.column_types import NAME_LENGTH, clipped
from aiflow.metadata.executions import (
    CAUSE_LENGTH,
    EVENT_KEY_LENGTH,
    EVENT_VALUE_LENGTH,
    TaskExecution,
    TaskTimelineStep,
)
from aiflow.model.timeline import TimelineStep
from notification.event import Event

ABANDONED = "its worker was lost: the try is stopped in case it still runs somewhere"
"""The cause of the stop of a try whose worker was judged lost."""

_INSERT = insert(TaskTimelineStep)
_LAST_ID = select(func.max(TaskTimelineStep.id))


@dataclass(frozen=True)
class Origin:
    """The event a step was decided on (all None when none was being applied)."""

    offset: int | None = None
    key: str | None = None
    value: str | None = None
    sender: str | None = None

    @classmethod
    def of(cls, event: Event) -> Origin:
        """Return the origin of steps decided on ``event``, its texts cut to their columns."""
        return cls(event.offset, clipped(event.key, EVENT_KEY_LENGTH), clipped(event.value, EVENT_VALUE_LENGTH),
                   clipped(event.sender, NAME_LENGTH))


class Steps:
    """The timeline steps of one batch, kept until their task executions have ids."""

    def __init__(self) -> None:
        self._rows: list[tuple[TaskExecution, dict[str, Any]]] = []

    def add(self, task: TaskExecution, try_number: int, step: TimelineStep, at: datetime, origin: Origin,
            cause: str | None = None, worker: str | None = None) -> None:
        """Keep a step of ``task``, which holds the status the step left it in."""
        self._rows.append((task, {
            "try_number": try_number, "step": step.value, "status": task.status, "at": at,
            "event_offset": origin.offset, "event_key": origin.key, "event_value": origin.value,
            "event_sender": origin.sender, "cause": clipped(cause, CAUSE_LENGTH),
            "worker": clipped(worker, NAME_LENGTH),
        }))

    def insert(self, session: Session) -> int:
        """Insert the steps kept (their task executions flushed) in one statement; return how many."""
        if not self._rows:
            return 0
        session.connection().execute(_INSERT, [{**row, "task_execution_id": task.id} for task, row in self._rows])
        written, self._rows = len(self._rows), []
        return written


def last_step_id(session: Session) -> int:
    """Return the id of the newest step (0: none), which the scheduler, the one writer, just wrote."""
    return int(session.connection().execute(_LAST_ID).scalar() or 0)
