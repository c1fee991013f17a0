"""A try's status reports, each retried until it is stored: none is ever dropped.

A report that cannot be sent (Redis away) is sent again with capped backoff until the bus stores
it, logged once per outage; its request id (``aiflow.worker:<task execution>:<try>:<status>``)
makes a retry of a send that was stored but not acknowledged store nothing new. The try's heartbeat
goes on meanwhile, so the scheduler does not judge it lost.

RUNNING is sent by a thread of its own, so that supervising the try (stops, time-outs, output)
never waits for Redis; the final report waits for it, so the log has RUNNING before the outcome.
RUNNING names the worker that claimed the try (Celery's node name), for the try's timeline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from aiflow.backoff import Outage
from aiflow.errors import TransientError
from aiflow.model.status import TaskStatus
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from workers.payloads import TryPayload
from workers.runtime.messages import Outcome

logger = logging.getLogger(__name__)

T = TypeVar("T")

SENDER = "aiflow.worker"
"""The sender of the status events workers send."""

MAX_ERROR_CHARS = 4000

SEND_ATTEMPT_S = 2.0
"""How long one send keeps reconnecting inside the bus client before it counts as failed (and is logged)."""

OUTAGE_ERRORS = (redis.ConnectionError, redis.TimeoutError, redis.ReadOnlyError, TransientError)
"""What means that Redis is away for now (a failover shows as a read-only replica)."""


def until_done(call: Callable[[], T], outage: Outage, wait: Callable[[float], object] = time.sleep) -> T:
    """Return ``call()``, calling it again after each outage error with ``outage``'s backoff.

    ``call`` must be safe to repeat. Other errors propagate.
    """
    while True:
        try:
            result = call()
        except OUTAGE_ERRORS as exc:
            wait(outage.failed(exc))
            continue
        outage.succeeded()
        return result


class TryReports:
    """Sends the status reports of one try through ``bus``; ``worker`` names this worker in RUNNING.

    ``on_stored`` is called with each status once stored, and the create time (ms) the bus gave it.
    """

    def __init__(self, bus: NotificationClient, job: TryPayload, worker: str | None = None,
                 on_stored: Callable[[TaskStatus, int | None], None] | None = None) -> None:
        self._bus = bus
        self._job = job
        self._worker = worker
        self._on_stored = on_stored
        self._outage = Outage(logger, f"Worker: status report of {job.describe()}")
        self._running: threading.Thread | None = None

    def running(self) -> None:
        """Report RUNNING from a thread of its own (retried until stored) and return at once."""
        self._running = threading.Thread(target=self._send, args=(Outcome(TaskStatus.RUNNING),),
                                         name=f"report-{self._job.task_execution_id}-{self._job.try_number}",
                                         daemon=True)
        self._running.start()

    def final(self, outcome: Outcome) -> None:
        """Report how the try ended, once RUNNING (if sent) is stored; return when this one is stored too."""
        if self._running is not None:
            self._running.join()
        self._send(outcome)

    def _send(self, outcome: Outcome) -> None:
        job = self._job
        worker = self._worker if outcome.status == TaskStatus.RUNNING else None
        report = TaskStatusReport(job.namespace, job.workflow_execution_id, job.task_name, job.task_execution_id,
                                  job.try_number, outcome.status, outcome.error and outcome.error[:MAX_ERROR_CHARS],
                                  worker=worker)
        request_id = f"{SENDER}:{job.task_execution_id}:{job.try_number}:{outcome.status.value}"
        stored = until_done(lambda: self._bus.send_event(report.to_event(SENDER), request_id=request_id), self._outage)
        logger.info("Task %s: %s", job.describe(), outcome.describe())
        if self._on_stored is not None:
            self._on_stored(outcome.status, stored.create_time)
