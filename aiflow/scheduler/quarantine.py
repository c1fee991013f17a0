"""Finding the one bad thing in a failed batch, and taking it out of play.

When a batch fails (for a reason other than an outage), its events are applied one per
transaction. An event that fails alone is tried again in trial transactions (rolled back) to
pin the failure on a unit of its work (:mod:`aiflow.scheduler.scope`): the unit in progress
when the error escaped, or, for an error outside any unit, each unit it touched tried alone.
The event is then applied for real with those units quarantined: an execution is failed with
the error, a trigger or a schedule is marked broken. If no unit is to blame, the event itself
is recorded as rejected and skipped. Every event is thus applied exactly once, or rejected
once, and the scheduler goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from aiflow.metadata.checkpoint import FencedOut
from aiflow.scheduler.faults import describe, is_transient
from aiflow.scheduler.happenings import LogEntry
from aiflow.scheduler.outbox import OutboxJob
from aiflow.scheduler.scope import EXECUTION, Scope, Unit
from notification.event import Event

logger = logging.getLogger(__name__)

MAX_CULPRITS = 16
"""Most units quarantined for one event before the event itself is rejected."""


class Transactions(Protocol):
    """What the quarantine needs of the :class:`~aiflow.scheduler.apply.Applier`."""

    def transaction(self, entries: Sequence[LogEntry], sent_jobs: Sequence[int], scope: Scope,
                    trial: bool = False) -> list[OutboxJob]: ...

    def recover(self) -> int: ...

    def reject(self, entry: LogEntry, error: str, executions: Sequence[int], sent_jobs: Sequence[int]) -> None: ...


def apply_singly(applier: Transactions, entries: Sequence[LogEntry], sent_jobs: Sequence[int]) -> list[OutboxJob]:
    """Apply ``entries`` one per transaction, quarantining what fails; return the jobs to send."""
    jobs: list[OutboxJob] = []
    for entry in entries:
        jobs += apply_alone(applier, entry, sent_jobs)
        sent_jobs = ()
    return jobs


def apply_alone(applier: Transactions, entry: LogEntry, sent_jobs: Sequence[int]) -> list[OutboxJob]:
    """Apply one entry; if it fails, quarantine what is to blame and apply the rest of it."""
    jobs, failure = _attempt(applier, entry, sent_jobs, Scope(isolating=True))
    if failure is None:
        return jobs
    logger.warning("Scheduler: the event at offset %s fails; looking for what is to blame", entry.offset)
    applier.recover()
    faults, touched = find_faults(applier, entry, failure)
    if faults is not None:
        jobs, failure = _attempt(applier, entry, sent_jobs, Scope(faults=faults))
        if failure is None:
            _report(entry, faults)
            return jobs
        applier.recover()
    error = _message(entry, failure)
    executions = [unit_id for kind, unit_id in touched if kind == EXECUTION]
    logger.error("Scheduler: rejected the event at offset %s (failing executions %s): %s", entry.offset,
                 executions, error)
    applier.reject(entry, error, executions, sent_jobs)
    applier.recover()
    return []


def find_faults(applier: Transactions, entry: LogEntry,
                failure: Exception) -> tuple[dict[Unit, str] | None, list[Unit]]:
    """Return the units to quarantine so that ``entry`` applies (None: nothing to blame), and the units it touched."""
    faults: dict[Unit, str] = {}
    touched: list[Unit] = []
    while len(faults) <= MAX_CULPRITS:
        scope = Scope(faults=faults, isolating=True)
        error = _trial(applier, entry, scope)
        touched = list(dict.fromkeys([*touched, *scope.touched]))
        if error is None:
            return faults, touched
        if scope.failed is not None and scope.failed not in faults:
            faults[scope.failed] = _message(entry, error)
            continue
        alone = {unit: _trial(applier, entry, Scope(only=unit)) for unit in touched if unit not in faults}
        blamed = {unit: _message(entry, error) for unit, error in alone.items() if error is not None}
        if not blamed:
            return None, touched
        faults |= blamed
    return None, touched


def _trial(applier: Transactions, entry: LogEntry, scope: Scope) -> Exception | None:
    """Apply ``entry`` in a rolled-back transaction; return the error it raised, if any."""
    try:
        return _attempt(applier, entry, (), scope, trial=True)[1]
    finally:
        applier.recover()


def _attempt(applier: Transactions, entry: LogEntry, sent_jobs: Sequence[int], scope: Scope,
             trial: bool = False) -> tuple[list[OutboxJob], Exception | None]:
    """Apply ``entry`` in one transaction; return its jobs, or the error it raised (outages and fencing raise)."""
    try:
        return applier.transaction([entry], sent_jobs, scope, trial=trial), None
    except FencedOut:
        raise
    except Exception as exc:
        if is_transient(exc):
            raise
        return [], exc


def _message(entry: LogEntry, error: BaseException) -> str:
    key = entry.key if isinstance(entry, Event) else entry.entry_id
    return f"the scheduler could not apply event {key!r} at offset {entry.offset}:\n{describe(error)}"


def _report(entry: LogEntry, faults: dict[Unit, str]) -> None:
    for (kind, unit_id), error in faults.items():
        logger.error("Scheduler: %s %s taken out of play at offset %s: %s", kind, unit_id, entry.offset, error)
