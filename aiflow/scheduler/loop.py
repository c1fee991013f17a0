"""The scheduler's shell: read the log in order, apply each batch, send its jobs, announce, run chores.

The loop body is four calls (:class:`~aiflow.scheduler.apply.Applier`,
:class:`~aiflow.scheduler.outbox.Dispatcher`, :class:`~aiflow.scheduler.announce.Announcer`,
the chores); this module only sequences them, survives their errors and stops when asked.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import redis

from aiflow.backoff import Outage
from aiflow.metadata.checkpoint import FencedOut
from aiflow.scheduler.announce import Announcer, Changes
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.crash_points import EVENT_READ, OUTBOX_SENT, STATE_COMMITTED, crash_point
from aiflow.scheduler.faults import is_transient
from aiflow.scheduler.happenings import LogEntry
from aiflow.scheduler.lease import LeaseLost, SchedulerLease
from aiflow.scheduler.metrics import SchedulerMetrics
from aiflow.scheduler.outbox import Dispatcher
from aiflow.scheduler.pairing import PairingCheck, PairingRefused

logger = logging.getLogger(__name__)


class EventLog(Protocol):
    """Where the scheduler reads events from (a :class:`~notification.client.NotificationClient`)."""

    def read_log(self, after: int, count: int, block_ms: int) -> list[LogEntry]: ...


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


class SchedulerLoop:
    """Applies the event log to the metadata database until ``stop`` is set.

    It never exits on its own: an outage of Redis or the database is waited out with capped
    backoff (logged once when it starts and once when it ends), and any other failure of a turn
    is logged and recovered from. So is a database and an event bus that do not belong together
    (:mod:`~aiflow.scheduler.pairing`): it applies nothing, holding the lease, until they do.
    """

    def __init__(
        self, log: EventLog, lease: SchedulerLease, applier: Applier, dispatcher: Dispatcher,
        chores: Sequence[Chore], clock: Callable[[], datetime], settings: LoopSettings = LoopSettings(),
        outage: Outage | None = None, pairing: PairingCheck | None = None, announcer: Announcer | None = None,
        metrics: SchedulerMetrics | None = None,
    ) -> None:
        self._log = log
        self._lease = lease
        self._applier = applier
        self._dispatcher = dispatcher
        self._chores = chores
        self._clock = clock
        self._settings = settings
        #: Shared with the chores that must know when Redis or the database was last away.
        self._outage = outage or Outage(logger, "Scheduler")
        self._pairing = pairing
        #: Tells open pages what each committed batch changed (None: nobody is told).
        self._announcer = announcer
        self._metrics = metrics or SchedulerMetrics()

    def run(self, stop: threading.Event) -> None:
        """Wait for the lease as a standby, then lead until ``stop`` is set or the lease is lost."""
        while not stop.is_set():
            try:
                token = self._lease.acquire(stop)
            except redis.RedisError as exc:
                stop.wait(self._outage.failed(exc))
                continue
            if token is None:
                return
            logger.info("Scheduler: leading with fencing token %s", token)
            self._applier.fencing_token = token
            self._metrics.leading()
            try:
                self._lead(stop)
            except LeaseLost:
                logger.warning("Scheduler: lost the lease; standing by")
            finally:
                self._metrics.standing_by()
                self._release()

    def _lead(self, stop: threading.Event) -> None:
        """Recover, then loop; a failed turn is retried after recovering again (outages with backoff)."""
        offset: int | None = None
        while not stop.is_set():
            try:
                self._lease.check()
                if offset is None:
                    offset = self._recover()
                offset = self._turn(offset)
                self._outage.succeeded()
            except FencedOut as exc:
                raise LeaseLost(str(exc)) from exc
            except LeaseLost:
                raise
            except PairingRefused:  # logged by the check; keep the lease and look again until it is fixed
                offset = None
                if stop.wait(self._outage.backoff.next_delay()):
                    return
            except Exception as exc:  # the shell survives any failure of one turn
                offset = None
                if stop.wait(self._delay_after(exc)):
                    return
        self._mark_published()

    def _delay_after(self, error: Exception) -> float:
        if is_transient(error):
            return self._outage.failed(error)
        logger.exception("Scheduler: turn failed; recovering")
        return self._outage.backoff.next_delay()

    def _mark_published(self) -> None:
        """On a clean stop, mark what was sent, so that no job goes again (if the database answers)."""
        try:
            self._dispatcher.mark_published(self._clock())
        except Exception as exc:  # the jobs are sent again on recovery, which is harmless
            logger.warning("Scheduler: sent jobs not marked sent on stopping: %s", exc)

    def _release(self) -> None:
        try:
            self._lease.release()
        except redis.RedisError as exc:  # it expires by itself
            logger.warning("Scheduler: the lease was not released: %s", exc)

    def _recover(self) -> int:
        if self._pairing is not None:
            self._pairing.check(self._clock())
        offset = self._applier.recover()
        sent = self._dispatcher.send_unsent(self._clock())
        logger.info("Scheduler: resuming after offset %s (%s unsent jobs re-sent)", offset, sent)
        self._metrics.resumed(offset)
        gc.freeze()  # what is loaded by now lives as long as the process: full collections need not walk it
        return offset

    def _turn(self, offset: int) -> int:
        """Apply the next batch (marking the jobs sent last turn), send its jobs, announce it; then run the chores.

        While sent jobs wait to be marked, the turn waits only briefly for events, then marks them alone.
        """
        marks_waiting = self._dispatcher.has_published
        wait_ms = self._settings.mark_wait_ms if marks_waiting else self._settings.idle_wait_ms
        entries = self._log.read_log(offset, self._settings.batch_size, wait_ms)
        if entries:
            crash_point(EVENT_READ)
            sent, marked = self._dispatcher.take_published()
            started = time.perf_counter()
            jobs = self._applier.apply(entries, sent)
            crash_point(STATE_COMMITTED)
            offset = entries[-1].offset or offset
            self._metrics.batch_applied(entries, time.perf_counter() - started, offset)
            self._dispatcher.send(jobs)
            self._metrics.jobs_sent(jobs)
            crash_point(OUTBOX_SENT)
            changes = self._applier.take_changes()
            changes.update(marked)
            self._announce(changes)
        elif marks_waiting:
            self._announce(self._dispatcher.mark_published(self._clock()))
        for chore in self._chores:
            self._run_chore(chore)
        return offset

    def _announce(self, changes: Changes) -> None:
        if self._announcer is not None:
            self._announcer.announce(changes)

    def _run_chore(self, chore: Chore) -> None:
        """Run a chore if due; its outages (and stores found not to belong together) stop the turn, its bugs do not."""
        try:
            chore.run_if_due(self._clock())
        except Exception as exc:
            if is_transient(exc) or isinstance(exc, PairingRefused):
                raise
            logger.exception("Scheduler: chore %s failed", type(chore).__name__)
