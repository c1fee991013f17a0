"""Workflow executions: start, stop, show, list and delete.

Starting and stopping are asynchronous: the server records the request and
the scheduler carries it out.
"""

from __future__ import annotations

from aiflow.ops.http import call, call_or_none, list_items, resource, workflow_resource
from aiflow.ops.meta import WorkflowExecutionMeta
from notification.event import DEFAULT_NAMESPACE


def delete_workflow_execution(workflow_execution_id: int) -> None:
    """Delete a finished workflow execution and its task executions.

    Raises:
        AIFlowException: no such execution, it has not finished, or the call failed.
    """
    call("DELETE", resource("workflow-executions", workflow_execution_id))


def get_workflow_execution(workflow_execution_id: int) -> WorkflowExecutionMeta | None:
    """Return the workflow execution, or ``None`` when there is none."""
    answer = call_or_none("GET", resource("workflow-executions", workflow_execution_id))
    return WorkflowExecutionMeta.from_optional_json(answer)


def list_workflow_executions(
    workflow_name: str, namespace: str = DEFAULT_NAMESPACE, limit: int | None = None, offset: int | None = None
) -> list[WorkflowExecutionMeta] | None:
    """Return the workflow's executions, oldest first, or ``None`` when there is none."""
    items = list_items(workflow_resource(namespace, workflow_name, "executions"), limit, offset)
    return WorkflowExecutionMeta.list_from_json(items)


def start_workflow_execution(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> int:
    """Start an execution of the workflow's latest snapshot; return its id.

    Raises:
        AIFlowException: no such workflow, it is disabled, or the call failed.
    """
    answer = call("POST", workflow_resource(namespace, workflow_name, "executions"))
    return int(answer["id"])


def stop_workflow_execution(workflow_execution_id: int) -> None:
    """Ask the scheduler to stop the workflow execution.

    Raises:
        AIFlowException: no such execution, it has already finished, or the call failed.
    """
    call("POST", resource("workflow-executions", workflow_execution_id, "stop"))


def stop_workflow_executions(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Ask the scheduler to stop every unfinished execution of the workflow."""
    call("POST", workflow_resource(namespace, workflow_name, "executions", "stop"))
