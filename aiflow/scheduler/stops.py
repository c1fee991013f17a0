"""Carrying out stop jobs on the event bus's Redis, not on Celery, so a stop reaches a busy worker.

A stop job is no Celery job: a worker whose every slot runs a long task would never take it. The
dispatcher hands the stops of each batch to :class:`TryStopper` right after commit instead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from aiflow.model.status import TaskStatus
from aiflow.scheduler.timer_events import SCHEDULER_SENDER
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import TaskKeys
from notification.task_control import TaskControl

logger = logging.getLogger(__name__)


class TryStopper:
    """Carries out stop jobs on the event bus's Redis (:class:`~notification.task_control.TaskControl`).

    A try that no worker has claimed is claimed ``stopped`` (it never runs) and reported STOPPED
    here (a batch's reports in one round trip), under a request id derived from the try, so a stop
    carried out again (after a crash, or for a try claimed ``stopped`` before) stores the same report
    once. A claimed try gets its stop key and a message on its stop channel; its worker ends it and
    reports.
    """

    def __init__(self, bus: NotificationClient, keys: TaskKeys | None = None) -> None:
        self._bus = bus
        self._control = TaskControl(bus.redis, keys)

    def stop(self, payloads: Sequence[Mapping[str, Any]]) -> int:
        """Stop the tries of these stop job payloads; return how many were reported STOPPED here."""
        if not payloads:
            return 0
        tries = [(int(p["task_execution_id"]), int(p["try_number"])) for p in payloads]
        unclaimed = self._control.stop(tries)
        never_ran = [payload for payload, unclaimed_try in zip(payloads, unclaimed, strict=True) if unclaimed_try]
        self._bus.send_events([_stopped_report(payload) for payload in never_ran])
        logger.debug("Scheduler: stopped %s tries, %s of them before any worker took them", len(tries),
                     sum(unclaimed))
        return sum(unclaimed)


def _stopped_report(payload: Mapping[str, Any]) -> tuple[Event, str]:
    """The STOPPED report of a try that never ran, with the request id that makes sending it again harmless."""
    task_execution_id, try_number = int(payload["task_execution_id"]), int(payload["try_number"])
    report = TaskStatusReport(str(payload["namespace"]), int(payload["workflow_execution_id"]),
                              str(payload["task_name"]), task_execution_id, try_number, TaskStatus.STOPPED)
    return report.to_event(SCHEDULER_SENDER), f"stop:{task_execution_id}:{try_number}"
