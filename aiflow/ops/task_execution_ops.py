"""Task executions: show, list, start or stop a task, and read its log."""

from __future__ import annotations

import time
from collections.abc import Iterator

from aiflow.ops.http import call, call_or_none, list_items, resource
from aiflow.ops.meta import TaskExecutionMeta, TaskLogPage

LOG_POLL_INTERVAL = 1.0
"""Seconds between reads of a log that is followed and has no new line."""


def get_task_execution(task_execution_id: int) -> TaskExecutionMeta | None:
    """Return the task execution, or ``None`` when there is none."""
    return TaskExecutionMeta.from_optional_json(call_or_none("GET", resource("task-executions", task_execution_id)))


def list_task_executions(
    workflow_execution_id: int, limit: int | None = None, offset: int | None = None
) -> list[TaskExecutionMeta] | None:
    """Return the task executions of the workflow execution, or ``None`` when there is none."""
    items = list_items(resource("workflow-executions", workflow_execution_id, "task-executions"), limit, offset)
    return TaskExecutionMeta.list_from_json(items)


def start_task_execution(workflow_execution_id: int, task_name: str) -> str:
    """Ask the scheduler to start (or restart) the task in the workflow execution.

    Returns:
        The key of the task's new run as ``<workflow_execution_id>/<task_name>``;
        the scheduler numbers the run when it starts it.

    Raises:
        AIFlowException: no such execution, it has finished, or the call failed.
    """
    call("POST", resource("workflow-executions", workflow_execution_id, "tasks", task_name, "start"))
    return f"{workflow_execution_id}/{task_name}"


def stop_task_execution(workflow_execution_id: int, task_name: str) -> None:
    """Ask the scheduler to stop the task's live run in the workflow execution.

    Raises:
        AIFlowException: no such execution, it has finished, or the call failed.
    """
    call("POST", resource("workflow-executions", workflow_execution_id, "tasks", task_name, "stop"))


def get_task_execution_log(
    task_execution_id: int, try_number: int | None = None, after: str | None = None
) -> TaskLogPage:
    """Return the log lines of one try (default: the latest) after the cursor ``after``."""
    params = {"try_number": try_number, "after": after}
    return TaskLogPage.from_json(call("GET", resource("task-executions", task_execution_id, "logs"), params=params))


def task_execution_log_lines(
    task_execution_id: int,
    try_number: int | None = None,
    follow: bool = False,
    poll_interval: float = LOG_POLL_INTERVAL,
) -> Iterator[str]:
    """Yield the lines of one try's log (default: the latest try).

    Without ``follow``, stop at the last line written so far; with it, keep
    reading every ``poll_interval`` seconds until the try's log is complete.
    """
    after: str | None = None
    while True:
        page = get_task_execution_log(task_execution_id, try_number, after)
        yield from page.lines
        if page.finished or not (follow or page.lines):
            return
        after, try_number = page.next, page.try_number
        if not page.lines:
            time.sleep(poll_interval)
