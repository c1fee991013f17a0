"""The kinds of step on a task execution's timeline: what the scheduler decided or recorded about it."""

from __future__ import annotations

from enum import Enum


class TimelineStep(str, Enum):
    """One step in the life of a task execution's try, as the scheduler recorded it.

    ``queued`` (a new sequence created), ``retried`` (its next try queued), ``stopped`` (a stop
    decided, or a lost try abandoned), ``start_sent`` / ``stop_sent`` (the job carried out after
    commit), ``status`` (a status a worker or the scheduler's watch reported).
    """

    QUEUED = "queued"
    RETRIED = "retried"
    STOPPED = "stopped"
    START_SENT = "start_sent"
    STOP_SENT = "stop_sent"
    STATUS = "status"
