"""Task executions: list those of a workflow execution, show one, read its log, start or stop a task."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from aiflow.commands import Command, CommandKind
from aiflow.errors import NotFoundError
from aiflow.metadata.queries import executions as queries
from aiflow.metadata.queries.workflows import get_snapshot
from notification.task_logs import read_task_log
from web.access import execution_with_id, task_execution_with_id
from web.api.executions import accepted, require_unfinished
from web.params import int_arg, optional_int_arg, page_json, paging
from web.records import task_execution_record
from web.services import services, transaction

bp = Blueprint("task_executions", __name__)

LOG_PAGE_LINES = 1000


@bp.get("/workflow-executions/<id:execution_id>/task-executions")
def list_task_executions(execution_id: int) -> dict[str, Any]:
    """The task executions of a workflow execution."""
    limit, offset = paging()
    with transaction() as session:
        execution_with_id(session, execution_id)
        page = queries.list_task_executions(session, execution_id, limit, offset)
        return page_json(page, task_execution_record)


@bp.post("/workflow-executions/<id:execution_id>/tasks/<task_name>/start")
def start_task(execution_id: int, task_name: str) -> tuple[dict[str, Any], int]:
    """Ask the scheduler to start (or restart) a task of the execution."""
    return _task_command(CommandKind.START_TASK_EXECUTION, execution_id, task_name)


@bp.post("/workflow-executions/<id:execution_id>/tasks/<task_name>/stop")
def stop_task(execution_id: int, task_name: str) -> tuple[dict[str, Any], int]:
    """Ask the scheduler to stop a task of the execution."""
    return _task_command(CommandKind.STOP_TASK_EXECUTION, execution_id, task_name)


@bp.post("/workflow-executions/<id:execution_id>/tasks/<task_name>/restart")
def restart_task(execution_id: int, task_name: str) -> tuple[dict[str, Any], int]:
    """Ask the scheduler to restart a task of the execution: stop its live run and start the next sequence."""
    return _task_command(CommandKind.RESTART_TASK_EXECUTION, execution_id, task_name)


def _task_command(kind: CommandKind, execution_id: int, task_name: str) -> tuple[dict[str, Any], int]:
    with transaction() as session:
        execution, workflow = execution_with_id(session, execution_id)
        require_unfinished(execution)
        task_names = get_snapshot(session, execution.snapshot_id).task_names
    if task_names is not None and task_name not in task_names:
        raise NotFoundError(f"workflow {workflow.name!r} of execution {execution_id} has no task {task_name!r}; "
                            f"its tasks are {', '.join(task_names)}")
    return accepted(Command(kind, workflow_execution_id=execution_id, task_name=task_name), workflow.namespace)


@bp.get("/task-executions/<id:task_execution_id>")
def get_task_execution(task_execution_id: int) -> dict[str, Any]:
    """One task execution."""
    with transaction() as session:
        return task_execution_record(task_execution_with_id(session, task_execution_id))


@bp.get("/task-executions/<id:task_execution_id>/logs")
def task_execution_logs(task_execution_id: int) -> dict[str, Any]:
    """Log lines of one try (default: the latest) after the cursor ``after``."""
    with transaction() as session:
        task_execution = task_execution_with_id(session, task_execution_id)
    try_number = optional_int_arg("try_number", minimum=1) or task_execution.try_number
    limit = int_arg("limit", LOG_PAGE_LINES, minimum=1, maximum=LOG_PAGE_LINES)
    page = read_task_log(services().bus.redis, task_execution_id, try_number, request.args.get("after") or None, limit)
    return {"lines": page.lines, "next": page.next, "finished": page.finished, "try_number": try_number}
