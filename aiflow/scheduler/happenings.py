"""What an entry of the log asks of the scheduler: a command, a timer, an event for the rules, or nothing.

An entry that cannot be decoded, or an internal event of the wrong shape, is a :class:`Rejection`:
recorded as a rejected event (with why) and skipped.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aiflow.commands import COMMAND_EVENT_KEY, Command
from aiflow.errors import InvalidInputError
from aiflow.metadata.queries.rejected_events import record_rejected_event
from aiflow.scheduler import timer_events
from notification.codec import UndecodableEntry
from notification.event import Event

INTERNAL_KEY_PREFIX = COMMAND_EVENT_KEY.partition(".")[0] + "."
"""Commands, timers and task statuses all have keys starting with this; users' events may not."""

#: What the scheduler reads from the log: events, and entries it cannot decode (which it rejects).
LogEntry = Event | UndecodableEntry


class Rejection:
    """An event the scheduler cannot apply at all (undecodable or malformed): it is recorded and skipped."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


#: What an event asks of the scheduler: a command, a timer, the event itself (for the rules), or nothing.
Happening = Command | timer_events.TimerEvent | Event | Rejection

NAMING_AN_EXECUTION = (Command, timer_events.PeriodicTick, timer_events.RetryDue, timer_events.ExecutionFault,
                        timer_events.StartMissed)
"""Happenings that name the one execution they concern."""


def offset_of(entry: LogEntry) -> int:
    """Return the entry's offset in the log (0 for one whose id does not parse)."""
    return entry.offset or 0


def parse(entry: LogEntry) -> Happening:
    """Return what ``entry`` asks for; a :class:`Rejection` when it is undecodable or malformed."""
    if isinstance(entry, UndecodableEntry):
        return Rejection(f"the entry {entry.entry_id} cannot be decoded: {entry.error}; fields: {entry.fields}")
    if not entry.key.startswith(INTERNAL_KEY_PREFIX):
        return entry  # a user's event: the common case, kept cheap
    try:
        if entry.key == COMMAND_EVENT_KEY:
            return Command.from_event(entry)
        return timer_events.from_event(entry) or entry
    except (InvalidInputError, TypeError, ValueError) as exc:
        return Rejection(f"malformed {entry.key!r} event: {exc}")


def record_rejection(session: Session, entry: LogEntry, error: str) -> None:
    """Record ``entry`` as rejected because of ``error``, with its namespace and key when they could be read."""
    namespace = entry.namespace if isinstance(entry, Event) else entry.fields.get("n")
    key = entry.key if isinstance(entry, Event) else entry.fields.get("k")
    record_rejected_event(session, offset_of(entry), namespace, key, error)
