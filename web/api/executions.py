"""Workflow executions: start, list, show, stop, stop all, delete.

Starting creates the execution row (INIT, pinned to the workflow's current
snapshot) and then publishes the command, named by the execution so a retried
send stores it once; when it cannot be published the row is deleted again and
the request answers 503. Stopping only publishes a command. The scheduler
changes every status afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint

from aiflow.commands import Command, CommandKind
from aiflow.errors import ConflictError, TransientError
from aiflow.metadata import WorkflowExecution
from aiflow.metadata.queries import executions as queries
from aiflow.model.status import WorkflowStatus
from web.access import execution_with_id, workflow_named
from web.params import page_json, paging
from web.records import execution_record
from web.services import publish, transaction

logger = logging.getLogger(__name__)
bp = Blueprint("executions", __name__)


def start_request_id(execution_id: int) -> str:
    """The request id of the start command of execution ``execution_id``."""
    return f"execution:{execution_id}:start"


def accepted(command: Command, namespace: str) -> tuple[dict[str, Any], int]:
    """Publish ``command`` and answer 202 with the offset of its event."""
    event = publish(command, namespace)
    return {"command": command.kind.value, "offset": event.offset}, 202


def require_unfinished(execution: WorkflowExecution) -> None:
    """Refuse a command for an execution that has already finished."""
    if WorkflowStatus(execution.status).is_finished:
        raise ConflictError(f"workflow execution {execution.id} has already finished ({execution.status})")


@bp.post("/namespaces/<namespace>/workflows/<name>/executions")
def start_execution(namespace: str, name: str) -> tuple[dict[str, Any], int]:
    """Start an execution of the workflow; answers its id (503, and no execution, while the bus is down)."""
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        execution = queries.create_execution(session, workflow)
    command = Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=execution.id)
    try:
        publish(command, namespace, request_id=start_request_id(execution.id))
    except TransientError as exc:
        with transaction() as session:
            discarded = queries.discard_unstarted_execution(session, execution.id)
        if discarded:
            raise TransientError(f"the execution was not started: {exc}") from exc
        logger.info("API: execution %s began although its start command was not acknowledged", execution.id)
    return {"id": execution.id}, 201


@bp.get("/namespaces/<namespace>/workflows/<name>/executions")
def list_executions(namespace: str, name: str) -> dict[str, Any]:
    """The executions of a workflow, oldest first."""
    limit, offset = paging()
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        page = queries.list_executions(session, workflow.id, limit, offset)
        return page_json(page, lambda execution: execution_record(execution, workflow))


@bp.post("/namespaces/<namespace>/workflows/<name>/executions/stop")
def stop_all_executions(namespace: str, name: str) -> tuple[dict[str, Any], int]:
    """Ask the scheduler to stop every unfinished execution of the workflow."""
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
    return accepted(Command(CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS, workflow_id=workflow.id), namespace)


@bp.get("/workflow-executions/<id:execution_id>")
def get_execution(execution_id: int) -> dict[str, Any]:
    """One workflow execution."""
    with transaction() as session:
        return execution_record(*execution_with_id(session, execution_id))


@bp.delete("/workflow-executions/<id:execution_id>")
def delete_execution(execution_id: int) -> tuple[str, int]:
    """Delete a finished execution (409 while it runs)."""
    with transaction() as session:
        execution, _ = execution_with_id(session, execution_id)
        queries.delete_execution(session, execution)
    return "", 204


@bp.post("/workflow-executions/<id:execution_id>/stop")
def stop_execution(execution_id: int) -> tuple[dict[str, Any], int]:
    """Ask the scheduler to stop the execution."""
    with transaction() as session:
        execution, workflow = execution_with_id(session, execution_id)
        require_unfinished(execution)
    command = Command(CommandKind.STOP_WORKFLOW_EXECUTION, workflow_execution_id=execution_id)
    return accepted(command, workflow.namespace)
