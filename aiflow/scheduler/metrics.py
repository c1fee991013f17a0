"""The scheduler's Prometheus series (docs/metrics.md), and what a transaction tallies for them.

Nothing here runs per event. The loop hands each applied batch over once; a transaction's
:class:`Tally` (rules' actions, ended task executions, lost tries) is added only after it commits,
so a batch that is rolled back and applied again event by event counts once. How far the
scheduler is behind the log, the unsent outbox and the broker's queues are read when Prometheus
scrapes (:class:`Backlog`): a scheduler stuck in an outage still shows its lag growing.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter as Tallies
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from aiflow.backoff import Outage
from aiflow.metadata.session import session_scope
from aiflow.scheduler.faults import is_transient
from aiflow.scheduler.happenings import LogEntry
from aiflow.scheduler.outbox import OutboxJob, count_unsent
from notification.client import NotificationClient

logger = logging.getLogger(__name__)

BATCH_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds one batch's transaction may take: milliseconds normally, seconds when the database struggles."""

TASK_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0, 3 * 3600.0, 12 * 3600.0,
                24 * 3600.0)
"""Seconds a task execution's last try may run: from a no-op to a day."""

_NAMESPACE = attrgetter("namespace")


@dataclass
class Tally:
    """What one transaction did that the metrics count; added to them once it has committed."""

    #: Actions rules took, by (namespace, workflow, action).
    rule_actions: Tallies[tuple[str, str, str]] = field(default_factory=Tallies)
    #: Task executions that reached a final status, by (namespace, workflow, status).
    ended: Tallies[tuple[str, str, str]] = field(default_factory=Tallies)
    #: Seconds the last try of each ended task execution ran (if it ran), by (namespace, workflow).
    ran: defaultdict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    #: Tries reported lost (their heartbeat timed out) while current, by (namespace, workflow).
    lost: Tallies[tuple[str, str]] = field(default_factory=Tallies)

    def task_ended(self, namespace: str, workflow: str, status: str, ran_s: float | None) -> None:
        """A task execution of ``workflow`` reached ``status``; its last try ran ``ran_s`` seconds (None: never)."""
        self.ended[(namespace, workflow, status)] += 1
        if ran_s is not None:
            self.ran[(namespace, workflow)].append(ran_s)


class SchedulerMetrics:
    """The series of one scheduler, in a registry of their own that its endpoint serves."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        registry = self.registry
        self._events = Counter("aiflow_scheduler_events", "Entries of the event log applied, by namespace.",
                               ["namespace"], registry=registry)
        self._batch = Histogram("aiflow_scheduler_batch_duration_seconds",
                                "Seconds the transaction applying one batch of entries took.",
                                buckets=BATCH_BUCKETS, registry=registry)
        self._leader = Gauge("aiflow_scheduler_leader", "1 while this scheduler holds the lease and applies events.",
                             registry=registry)
        self._acquisitions = Counter("aiflow_scheduler_leadership_acquisitions",
                                     "Times this scheduler took the lease (its start, and each failover to it).",
                                     registry=registry)
        self._rule_actions = Counter("aiflow_scheduler_rule_actions",
                                     "Actions task rules took (that changed something), by action.",
                                     ["namespace", "workflow", "action"], registry=registry)
        self._ended = Counter("aiflow_task_executions_ended", "Task executions that reached a final status.",
                              ["namespace", "workflow", "status"], registry=registry)
        self._duration = Histogram("aiflow_task_duration_seconds",
                                   "Seconds the last try of an ended task execution ran (RUNNING to its end).",
                                   ["namespace", "workflow"], buckets=TASK_BUCKETS, registry=registry)
        self._timeouts = Counter("aiflow_scheduler_heartbeat_timeouts",
                                 "Tries failed as lost because their heartbeat stopped.", ["namespace", "workflow"],
                                 registry=registry)
        self.backlog = Backlog()
        registry.register(self.backlog)

    def leading(self) -> None:
        """This scheduler took the lease."""
        self._leader.set(1)
        self._acquisitions.inc()

    def standing_by(self) -> None:
        """This scheduler gave the lease up, or lost it."""
        self._leader.set(0)
        self.backlog.applied = None

    def resumed(self, offset: int) -> None:
        """This scheduler recovered and goes on after ``offset``."""
        self.backlog.applied = offset

    def batch_applied(self, entries: Sequence[LogEntry], seconds: float, offset: int) -> None:
        """Count a committed batch: its entries by namespace, how long it took, the offset it reached."""
        try:
            namespaces = Tallies(map(_NAMESPACE, entries))
        except AttributeError:  # an undecodable entry among them has no namespace
            namespaces = Tallies(getattr(entry, "namespace", None) for entry in entries)
        for namespace, count in namespaces.items():
            self._events.labels(namespace or "").inc(count)
        self._batch.observe(seconds)
        self.backlog.applied = offset

    def jobs_sent(self, jobs: Sequence[OutboxJob]) -> None:
        """Note the queues of start jobs sent, whose lengths the backlog reads."""
        self.backlog.sent_to({job.queue for job in jobs if job.kind == "start"})

    def committed(self, tally: Tally) -> None:
        """Add what a committed transaction tallied."""
        for labels, count in tally.rule_actions.items():
            self._rule_actions.labels(*labels).inc(count)
        for (namespace, workflow, status), count in tally.ended.items():
            self._ended.labels(namespace, workflow, status).inc(count)
        for (namespace, workflow), durations in tally.ran.items():
            histogram = self._duration.labels(namespace, workflow)
            for seconds in durations:
                histogram.observe(seconds)
        for (namespace, workflow), count in tally.lost.items():
            self._timeouts.labels(namespace, workflow).inc(count)


class Backlog(Collector):
    """Gauges read at scrape time while this scheduler leads: its offset, its lag, the outbox, the broker queues.

    :meth:`watch` gives it the stores to read; queues are those the scheduler has sent jobs to since it
    started, and the default one. An outage of a store leaves its gauges out of that scrape.
    """

    def __init__(self) -> None:
        #: The offset applied last while leading (None: not leading).
        self.applied: int | None = None
        self._engine: Engine | None = None
        self._bus: NotificationClient | None = None
        self._queues: set[str] = set()
        self._lock = threading.Lock()
        self._outage = Outage(logger, "Scheduler metrics")

    def watch(self, engine: Engine, bus: NotificationClient, default_queue: str) -> None:
        """Read the outbox from ``engine``, the log and the broker queues from ``bus``."""
        self._engine, self._bus = engine, bus
        self.sent_to([default_queue])

    def sent_to(self, queues: Iterable[str]) -> None:
        """Note queues jobs were sent to (cheap when they are known already)."""
        if not self._queues.issuperset(queues):
            with self._lock:
                self._queues = self._queues.union(queues)

    def collect(self) -> Iterable[Metric]:
        applied, engine, bus = self.applied, self._engine, self._bus
        if applied is None or engine is None or bus is None:
            return []
        families: list[Metric] = [GaugeMetricFamily("aiflow_scheduler_applied_offset",
                                                    "Offset of the last entry applied.", value=applied)]
        reads: list[Callable[[], list[Metric]]] = [
            lambda: self._lag(bus, applied), lambda: [self._outbox(engine)], lambda: [self._queue_lengths(bus)]]
        failure: Exception | None = None
        for read in reads:
            try:
                families += read()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                failure = exc
        if failure is None:
            self._outage.succeeded()
        else:
            self._outage.failed(failure)
        return families

    @staticmethod
    def _lag(bus: NotificationClient, applied: int) -> list[Metric]:
        backlog = bus.backlog(applied)
        return [GaugeMetricFamily("aiflow_scheduler_lag_events", "Entries of the log not applied yet.",
                                  value=backlog.events),
                GaugeMetricFamily("aiflow_scheduler_lag_seconds",
                                  "Seconds the oldest entry not applied yet has waited (0: none waits).",
                                  value=backlog.age_s)]

    @staticmethod
    def _outbox(engine: Engine) -> Metric:
        with session_scope(engine) as session:
            pending = count_unsent(session)
        return GaugeMetricFamily("aiflow_scheduler_outbox_pending_jobs",
                                 "Outbox jobs committed but not marked sent yet.", value=pending)

    def _queue_lengths(self, bus: NotificationClient) -> Metric:
        queues = sorted(self._queues)
        with bus.redis.pipeline(transaction=False) as pipe:
            for queue in queues:
                pipe.llen(queue)
            lengths = pipe.execute()
        family = GaugeMetricFamily("aiflow_broker_queue_length", "Start jobs waiting in a Celery queue of the broker.",
                                   labels=["queue"])
        for queue, length in zip(queues, lengths, strict=True):
            family.add_metric([queue], int(length))
        return family
