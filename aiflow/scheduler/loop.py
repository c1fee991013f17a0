"""The scheduler's shell: read the log in order, apply each batch, send its jobs, run chores.

The loop body is three calls (:class:`~aiflow.scheduler.apply.Applier`,
:class:`~aiflow.scheduler.dispatch.Dispatcher`, the chores); this module only
sequences them, survives their errors and stops when asked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from aiflow.metadata.checkpoint import FencedOut
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.crash_points import EVENT_READ, OUTBOX_SENT, STATE_COMMITTED, crash_point
from aiflow.scheduler.dispatch import Dispatcher
from aiflow.scheduler.lease import LeaseLost, SchedulerLease
from notification.event import Event

logger = logging.getLogger(__name__)


class EventLog(Protocol):
    """Where the scheduler reads events from (a :class:`~notification.client.NotificationClient`)."""

    def read_log(self, after: int, count: int, block_ms: int) -> list[Event]: ...


class Chore(Protocol):
    """A periodic duty (ticks, heartbeat checks) that publishes events rather than changing state."""

    def run_if_due(self, now: datetime) -> None: ...


@dataclass(frozen=True)
class LoopSettings:
    batch_size: int = 1000
    #: Longest wait for new events before chores get a turn.
    idle_wait_ms: int = 200
    #: Longest wait for new events while sent jobs wait to be marked sent with the next batch.
    mark_wait_ms: int = 1
    #: Pause after an error before the loop recovers and tries again.
    error_backoff_s: float = 1.0


class SchedulerLoop:
    """Applies the event log to the metadata database until ``stop`` is set."""

    def __init__(
        self, log: EventLog, lease: SchedulerLease, applier: Applier, dispatcher: Dispatcher,
        chores: Sequence[Chore], clock: Callable[[], datetime], settings: LoopSettings = LoopSettings(),
    ) -> None:
        self._log = log
        self._lease = lease
        self._applier = applier
        self._dispatcher = dispatcher
        self._chores = chores
        self._clock = clock
        self._settings = settings

    def run(self, stop: threading.Event) -> None:
        """Wait for the lease as a standby, then lead until ``stop`` is set or the lease is lost."""
        while not stop.is_set():
            token = self._lease.acquire(stop)
            if token is None:
                return
            logger.info("Scheduler: leading with fencing token %s", token)
            self._applier.fencing_token = token
            try:
                self._lead(stop)
            except LeaseLost:
                logger.warning("Scheduler: lost the lease; standing by")
            finally:
                self._lease.release()

    def _lead(self, stop: threading.Event) -> None:
        """Recover, then loop; errors of one turn are logged and recovered from."""
        offset = self._recover()
        while not stop.is_set():
            self._lease.check()
            try:
                offset = self._turn(offset)
            except FencedOut as exc:
                raise LeaseLost(str(exc)) from exc
            except Exception:  # the shell survives any failure of one turn
                logger.exception("Scheduler: turn failed after offset %s; recovering", offset)
                if stop.wait(self._settings.error_backoff_s):
                    return
                offset = self._recover()
        self._dispatcher.mark_published(self._clock())  # a clean stop leaves no job to send again

    def _recover(self) -> int:
        offset = self._applier.recover()
        sent = self._dispatcher.send_unsent(self._clock())
        logger.info("Scheduler: resuming after offset %s (%s unsent jobs re-sent)", offset, sent)
        return offset

    def _turn(self, offset: int) -> int:
        """Apply the next batch (marking the jobs sent last turn), then send its jobs; then run the chores.

        While sent jobs wait to be marked, the turn waits only briefly for events, then marks them alone.
        """
        marks_waiting = self._dispatcher.has_published
        wait_ms = self._settings.mark_wait_ms if marks_waiting else self._settings.idle_wait_ms
        events = self._log.read_log(offset, self._settings.batch_size, wait_ms)
        if events:
            crash_point(EVENT_READ)
            jobs = self._applier.apply(events, self._dispatcher.take_published())
            crash_point(STATE_COMMITTED)
            offset = events[-1].offset or offset
            self._dispatcher.send(jobs)
            crash_point(OUTBOX_SENT)
        elif marks_waiting:
            self._dispatcher.mark_published(self._clock())
        for chore in self._chores:
            chore.run_if_due(self._clock())
        return offset
