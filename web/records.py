"""The JSON form of each resource the API returns.

Field names here are the contract with the SDK and the CLI; the OpenAPI
document (:mod:`web.openapi`) describes the same fields and a test keeps the
two in step. Times are ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiflow.metadata import (
    ApiToken,
    Namespace,
    RejectedEvent,
    TaskExecution,
    Workflow,
    WorkflowEventTrigger,
    WorkflowExecution,
    WorkflowSchedule,
    WorkflowSnapshot,
)
from aiflow.metadata.queries.namespaces import namespace_properties
from web.auth import Principal


def iso(time: datetime | None) -> str | None:
    """Return ``time`` in ISO 8601, or None."""
    return time.isoformat() if time is not None else None


def namespace_record(namespace: Namespace) -> dict[str, Any]:
    """A namespace."""
    return {"name": namespace.name, "properties": namespace_properties(namespace)}


def workflow_record(workflow: Workflow) -> dict[str, Any]:
    """A workflow; ``snapshot_id`` is the snapshot new executions run."""
    return {
        "id": workflow.id,
        "namespace": workflow.namespace,
        "name": workflow.name,
        "content": workflow.content,
        "description": workflow.description,
        "is_enabled": workflow.is_enabled,
        "snapshot_id": workflow.snapshot_id,
        "create_time": iso(workflow.create_time),
        "update_time": iso(workflow.update_time),
    }


def snapshot_record(snapshot: WorkflowSnapshot) -> dict[str, Any]:
    """A snapshot: where its package is stored, its hash, the workflow file in it (``entry``) and its tasks."""
    return {
        "id": snapshot.id,
        "workflow_id": snapshot.workflow_id,
        "uri": snapshot.uri,
        "content_hash": snapshot.content_hash,
        "entry": snapshot.entry,
        "task_names": snapshot.task_names,
        "create_time": iso(snapshot.create_time),
    }


def execution_record(execution: WorkflowExecution, workflow: Workflow) -> dict[str, Any]:
    """A workflow execution, named with its workflow."""
    return {
        "id": execution.id,
        "workflow_id": execution.workflow_id,
        "namespace": workflow.namespace,
        "workflow_name": workflow.name,
        "snapshot_id": execution.snapshot_id,
        "execution_type": execution.execution_type,
        "status": execution.status,
        "begin_date": iso(execution.begin_date),
        "end_date": iso(execution.end_date),
        "error": execution.error,
        "event_offset": execution.event_offset,
    }


def task_execution_record(task_execution: TaskExecution) -> dict[str, Any]:
    """A task execution."""
    return {
        "id": task_execution.id,
        "workflow_execution_id": task_execution.workflow_execution_id,
        "task_name": task_execution.task_name,
        "sequence_number": task_execution.sequence_number,
        "try_number": task_execution.try_number,
        "execution_type": task_execution.execution_type,
        "status": task_execution.status,
        "begin_date": iso(task_execution.begin_date),
        "end_date": iso(task_execution.end_date),
        "error": task_execution.error,
    }


def schedule_record(schedule: WorkflowSchedule) -> dict[str, Any]:
    """A workflow schedule; ``error`` says why the scheduler took it out of play (null while in play)."""
    return {
        "id": schedule.id,
        "workflow_id": schedule.workflow_id,
        "expression": schedule.expression,
        "is_paused": schedule.is_paused,
        "error": schedule.error,
        "create_time": iso(schedule.create_time),
    }


def trigger_record(trigger: WorkflowEventTrigger) -> dict[str, Any]:
    """A workflow trigger: its ``condition`` in the plan format, and why it is out of play (``error``)."""
    return {
        "id": trigger.id,
        "workflow_id": trigger.workflow_id,
        "condition": _condition(trigger.condition),
        "is_paused": trigger.is_paused,
        "error": trigger.error,
        "create_time": iso(trigger.create_time),
    }


def _condition(text: str | None) -> dict[str, Any] | None:
    """A stored trigger condition as JSON; None when it is not a JSON object (its trigger's ``error`` says why)."""
    try:
        condition = json.loads(text) if text else None
    except ValueError:
        return None
    return condition if isinstance(condition, dict) else None


def rejected_event_record(rejected: RejectedEvent) -> dict[str, Any]:
    """An event the scheduler skipped: its offset, namespace and key (when they could be read) and why."""
    return {
        "offset": rejected.event_offset,
        "namespace": rejected.namespace,
        "key": rejected.event_key,
        "error": rejected.error,
        "create_time": iso(rejected.create_time),
    }


def stored_token_record(token: ApiToken) -> dict[str, Any]:
    """A token stored in the database: its name, role, namespaces (null: every one) and who added it, never its hash."""
    return {
        "name": token.name,
        "role": token.role,
        "namespaces": token.namespaces,
        "source": "database",
        "create_time": iso(token.create_time),
        "created_by": token.created_by,
    }


def configured_token_record(token: Principal) -> dict[str, Any]:
    """A token configured in ``api_tokens`` (no creation time, no creator)."""
    return {
        "name": token.name,
        "role": token.role.value,
        "namespaces": None if token.namespaces is None else sorted(token.namespaces),
        "source": "config",
        "create_time": None,
        "created_by": None,
    }
