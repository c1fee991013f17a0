"""A worker's Prometheus series (docs/metrics.md), in a registry its own endpoint serves.

The start latency is measured here because a worker is the one process that knows both ends: the
start job carries the create time of the event that queued the try (``caused_at``), and the bus
returns the create time of the try's RUNNING report when it stores it. Both are the event store's
clock, so the clocks of the hosts do not matter. The heartbeat gauges are read at scrape time from
the heartbeats of the tries this worker holds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aiflow.model.status import TaskStatus
from workers.payloads import StartTask

START_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
"""Seconds from an event to the start of the try it caused: milliseconds normally, minutes when workers are busy."""


class Beating(Protocol):
    """A try's heartbeat, as the gauges see it (:class:`workers.heartbeat.Heartbeat`)."""

    @property
    def last_beat(self) -> float: ...


class WorkerMetrics:
    """The series of one worker process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self._tries = Counter("aiflow_worker_tries", "Tries this worker ran, by the final status it reported.",
                              ["namespace", "workflow", "status"], registry=self.registry)
        self._start = Histogram("aiflow_event_to_task_start_seconds",
                                "Seconds from the event that queued a try to the try's RUNNING report.",
                                ["namespace", "workflow"], buckets=START_BUCKETS, registry=self.registry)
        self._heartbeats = _Heartbeats()
        self.registry.register(self._heartbeats)

    def reported(self, job: StartTask, status: TaskStatus, stored_ms: int | None) -> None:
        """Count a status report of ``job`` that the bus stored at ``stored_ms``."""
        if status == TaskStatus.RUNNING:
            if job.caused_at is not None and stored_ms is not None:
                self._start.labels(job.namespace, job.workflow_name).observe(max(0, stored_ms - job.caused_at) / 1000)
        else:
            self._tries.labels(job.namespace, job.workflow_name, status.value).inc()

    @contextmanager
    def holding(self, heartbeat: Beating) -> Iterator[None]:
        """Count a claimed try, and the age of its heartbeat, while the block runs."""
        self._heartbeats.add(heartbeat)
        try:
            yield
        finally:
            self._heartbeats.discard(heartbeat)


class _Heartbeats(Collector):
    """The tries this worker holds and the age of the oldest last beat among them, at scrape time."""

    def __init__(self) -> None:
        self._held: set[Beating] = set()
        self._lock = threading.Lock()

    def add(self, heartbeat: Beating) -> None:
        with self._lock:
            self._held.add(heartbeat)

    def discard(self, heartbeat: Beating) -> None:
        with self._lock:
            self._held.discard(heartbeat)

    def collect(self) -> Iterable[Metric]:
        with self._lock:
            beats = [heartbeat.last_beat for heartbeat in self._held]
        now = time.monotonic()
        return [GaugeMetricFamily("aiflow_worker_tries_in_progress", "Tries this worker holds (claimed, not reported).",
                                  value=len(beats)),
                GaugeMetricFamily("aiflow_worker_heartbeat_age_seconds",
                                  "Seconds since the oldest last stored heartbeat of the tries held (0: none held).",
                                  value=max((now - beat for beat in beats), default=0.0))]
