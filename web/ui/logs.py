"""A task try's log: the last 64 KB, earlier ranges on request, and a live tail while the try runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask import Blueprint, render_template, request

from notification.task_logs import read_task_log, read_task_log_range, wait_for_task_log
from web.access import execution_with_id, task_execution_with_id
from web.params import optional_int_arg
from web.services import services, transaction
from web.ui import streams

bp = Blueprint("ui_logs", __name__)

RANGE_BYTES = 64 * 1024


@bp.get("/task-executions/<id:task_execution_id>/log")
def log(task_execution_id: int) -> str:
    """The end of a try's log (``try``: default the latest), followed live until the log is complete."""
    with transaction() as session:
        task_execution = task_execution_with_id(session, task_execution_id)
        execution, workflow = execution_with_id(session, task_execution.workflow_execution_id)
    try_number = optional_int_arg("try", minimum=1) or task_execution.try_number
    redis = services().bus.redis
    tail = read_task_log_range(redis, task_execution_id, try_number, max_bytes=RANGE_BYTES)
    finished = read_task_log(redis, task_execution_id, try_number, tail.end, limit=1).finished
    return render_template("logs/log.html", namespace=workflow.namespace, task=task_execution, execution=execution,
                           try_number=try_number, tail=tail, finished=finished)


@bp.get("/task-executions/<id:task_execution_id>/log/earlier")
def earlier(task_execution_id: int) -> str:
    """The range of the log before the cursor ``before`` (a fragment the page puts above what it shows)."""
    with transaction() as session:
        task_execution_with_id(session, task_execution_id)
    try_number = optional_int_arg("try", minimum=1) or 1
    logs = read_task_log_range(services().bus.redis, task_execution_id, try_number, request.args.get("before"),
                               RANGE_BYTES)
    return render_template("logs/earlier.html", task_execution_id=task_execution_id, try_number=try_number, logs=logs)


@bp.get("/task-executions/<id:task_execution_id>/log/stream")
def log_stream(task_execution_id: int) -> Any:
    """Server-sent events: the lines written after the cursor ``after``, then ``end`` once the log is complete."""
    with transaction() as session:
        task_execution_with_id(session, task_execution_id)
    try_number = optional_int_arg("try", minimum=1) or 1
    cursor = {"after": request.headers.get("Last-Event-ID") or request.args.get("after") or "0-0"}

    def wait(timeout: float) -> Iterator[str]:
        page = wait_for_task_log(services().bus.redis, task_execution_id, try_number, cursor["after"], timeout)
        if page.lines:
            cursor["after"] = page.next
            yield streams.message("append", render_template("logs/lines.html", lines=page.lines), page.next)
        if page.finished:
            yield streams.END

    return streams.event_stream(wait)
