"""Task status events: what a report carries, and which contexts are malformed."""

from __future__ import annotations

import json

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus
from aiflow.status_events import TaskStatusReport
from notification.event import Event

CONTEXT = {"workflow_execution_id": 7, "task_execution_id": 70, "try_number": 2}


def event_with(**context: object) -> Event:
    return Event(key=task_status_event_key("train"), value="RUNNING", namespace="ml",
                 context=json.dumps(CONTEXT | context))


def test_a_report_comes_back_as_sent_with_its_worker() -> None:
    report = TaskStatusReport("ml", 7, "train", 70, 2, TaskStatus.RUNNING, worker="celery@host-1")

    assert TaskStatusReport.from_event(report.to_event("aiflow.worker")) == report


@pytest.mark.parametrize(("context", "worker"), [({}, None), ({"worker": None}, None),
                                                 ({"worker": "celery@a"}, "celery@a")])
def test_the_worker_is_optional(context: dict[str, object], worker: str | None) -> None:
    report = TaskStatusReport.from_event(event_with(**context))

    assert report is not None and report.worker == worker


@pytest.mark.parametrize("field", ["worker", "error"])
def test_a_worker_or_error_that_is_no_string_is_malformed(field: str) -> None:
    with pytest.raises(InvalidInputError, match=f"{field} must be a string"):
        TaskStatusReport.from_event(event_with(**{field: 3}))
