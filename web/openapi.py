"""The OpenAPI 3.1 document of the REST API, written as data.

:func:`openapi_document` returns it; ``GET /api/v1/openapi.json`` serves it.
A test fails when a route of the app is missing here, and the schema tests
fail when a response carries a field :mod:`web.openapi_schemas` does not list.
"""

from __future__ import annotations

from typing import Any

from aiflow.version import get_version
from web.api.events import MAX_WAIT_S
from web.openapi_schemas import SCHEMAS, Schema, ref

PREFIX = "/api/v1"
WORKFLOW = "/namespaces/{namespace}/workflows/{name}"
MAX_ID = 2**63 - 1

_PARAMETERS: dict[str, Schema] = {
    "namespace": {"type": "string", "minLength": 1},
    "name": {"type": "string", "minLength": 1},
    "task_name": {"type": "string", "minLength": 1},
    "token_name": {"type": "string", "minLength": 1},
    **{
        name: {"type": "integer", "minimum": 0, "maximum": MAX_ID}
        for name in ("snapshot_id", "execution_id", "task_execution_id", "attachment_id")
    },
}
_PAGING: list[tuple[str, Schema]] = [
    ("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    ("offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0}),
]
_EVENT_FILTERS: list[tuple[str, Schema]] = [
    ("key", {"type": "string"}),
    ("sender", {"type": "string"}),
    ("begin_offset", {"type": "integer", "minimum": 0, "maximum": MAX_ID}),
    ("begin_time", {"type": "string", "format": "date-time",
                    "description": "events created at or after this time (UTC when it has no offset)"}),
]
_EVENT_WAIT: tuple[str, Schema] = (
    "wait", {"type": "number", "minimum": 0, "maximum": MAX_WAIT_S,
             "description": "seconds to wait for an event when the page would be empty; it answers as soon as one "
                            "is stored (a server whose waiting slots are all taken answers at once)"},
)


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": ref(schema)}}}


def op(
    summary: str,
    status: int,
    schema: str | None,
    *,
    body: str | None = None,
    query: list[tuple[str, Schema]] | None = None,
    public: bool = False,
    unavailable: str = "Error",
) -> dict[str, Any]:
    """One operation: its success response, request body, query arguments and errors."""
    success: dict[str, Any] = {"description": summary, **(_json(schema) if schema else {})}
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {str(status): success, **_ERRORS, "503": {**_UNAVAILABLE, **_json(unavailable)}},
    }
    if query:
        operation["parameters"] = [{"name": n, "in": "query", "required": False, "schema": s} for n, s in query]
    if body:
        media = "multipart/form-data" if body == "Upload" else "application/json"
        operation["requestBody"] = {"required": True, "content": {media: {"schema": ref(body)}}}
    if public:
        operation["security"] = []
    return operation


_UNAVAILABLE = {"description": "the metadata database or the event bus is unreachable; try again later"}
_ERRORS = {"4XX": {"description": "client error", **_json("Error")}}

_PACKAGE = {
    "summary": "the snapshot's package",
    "responses": {
        "200": {
            "description": "the zip; X-AIFlow-Content-Hash is its SHA-256",
            "headers": {"X-AIFlow-Content-Hash": {"schema": {"type": "string"}}},
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **_ERRORS,
        "503": {**_UNAVAILABLE, **_json("Error")},
    },
}


def _attachment_paths(plural: str, resource: str, record: str, new: str) -> dict[str, dict[str, Any]]:
    return {
        f"{WORKFLOW}/{plural}": {
            "post": op(f"add a {record.lower()}", 201, record, body=new),
            "get": op(f"list {plural}", 200, f"{record}Page", query=_PAGING),
            "delete": op(f"delete every {record.lower()}", 200, "Deleted"),
        },
        f"/{resource}/{{attachment_id}}": {
            "get": op(f"show a {record.lower()}", 200, record),
            "delete": op(f"delete a {record.lower()}", 204, None),
        },
        f"/{resource}/{{attachment_id}}/pause": {"post": op(f"pause a {record.lower()}", 200, record)},
        f"/{resource}/{{attachment_id}}/resume": {"post": op(f"resume a {record.lower()}", 200, record)},
    }


PATHS: dict[str, dict[str, Any]] = {
    "/health": {"get": op("the database and the event bus answer", 200, "Health", public=True,
                          unavailable="HealthUnavailable")},
    "/version": {"get": op("server version", 200, "Version")},
    "/openapi.json": {"get": {**op("this document", 200, None, public=True)}},
    "/namespaces": {
        "get": op("list namespaces", 200, "NamespacePage", query=_PAGING),
        "post": op("add a namespace (admin)", 201, "Namespace", body="NewNamespace"),
    },
    "/namespaces/{namespace}": {
        "get": op("show a namespace", 200, "Namespace"),
        "patch": op("replace a namespace's properties (admin)", 200, "Namespace", body="NamespaceUpdate"),
        "delete": op("delete an empty namespace (admin)", 204, None),
    },
    "/namespaces/{namespace}/workflows": {
        "post": op("upload a workflow package", 201, "WorkflowUpload", body="Upload"),
        "get": op("list workflows", 200, "WorkflowPage", query=_PAGING),
    },
    WORKFLOW: {
        "get": op("show a workflow", 200, "Workflow"),
        "delete": op("delete a workflow with what is attached to it", 204, None),
    },
    f"{WORKFLOW}/enable": {"post": op("enable a workflow", 200, "Workflow")},
    f"{WORKFLOW}/disable": {"post": op("disable a workflow", 200, "Workflow")},
    f"{WORKFLOW}/snapshots": {
        "get": op("list snapshots", 200, "SnapshotPage", query=_PAGING),
        "delete": op("delete every snapshot but the current one, with their finished executions", 200, "Deleted"),
    },
    "/snapshots/{snapshot_id}": {
        "get": op("show a snapshot", 200, "Snapshot"),
        "delete": op("delete an old snapshot with its finished executions", 204, None),
    },
    "/snapshots/{snapshot_id}/package": {"get": _PACKAGE},
    f"{WORKFLOW}/executions": {
        "post": op("start an execution", 201, "ExecutionStarted"),
        "get": op("list executions", 200, "WorkflowExecutionPage", query=_PAGING),
    },
    f"{WORKFLOW}/executions/stop": {"post": op("stop every execution", 202, "CommandAccepted")},
    "/workflow-executions/{execution_id}": {
        "get": op("show an execution", 200, "WorkflowExecution"),
        "delete": op("delete a finished execution", 204, None),
    },
    "/workflow-executions/{execution_id}/stop": {"post": op("stop an execution", 202, "CommandAccepted")},
    "/workflow-executions/{execution_id}/task-executions": {
        "get": op("list task executions", 200, "TaskExecutionPage", query=_PAGING)
    },
    "/workflow-executions/{execution_id}/tasks/{task_name}/start": {
        "post": op("start a task", 202, "CommandAccepted")
    },
    "/workflow-executions/{execution_id}/tasks/{task_name}/stop": {"post": op("stop a task", 202, "CommandAccepted")},
    "/workflow-executions/{execution_id}/tasks/{task_name}/restart": {
        "post": op("restart a task", 202, "CommandAccepted")
    },
    "/task-executions/{task_execution_id}": {"get": op("show a task execution", 200, "TaskExecution")},
    "/task-executions/{task_execution_id}/logs": {
        "get": op(
            "log lines of a try",
            200,
            "LogPage",
            query=[
                ("try_number", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
                ("after", {"type": "string", "pattern": "^[0-9]+-[0-9]+$"}),
                ("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),
            ],
        )
    },
    **_attachment_paths("schedules", "workflow-schedules", "Schedule", "NewSchedule"),
    **_attachment_paths("triggers", "workflow-triggers", "Trigger", "NewTrigger"),
    "/namespaces/{namespace}/events": {
        "post": op("send an event", 201, "Event", body="NewEvent"),
        "get": op("list events, waiting for the next one if asked", 200, "EventPage",
                  query=[*_EVENT_FILTERS, _EVENT_WAIT, *_PAGING]),
    },
    "/namespaces/{namespace}/events/count": {"get": op("count events", 200, "Count", query=_EVENT_FILTERS)},
    "/namespaces/{namespace}/rejected-events": {
        "get": op("list the events of the namespace the scheduler rejected", 200, "RejectedEventPage", query=_PAGING)
    },
    "/rejected-events": {"get": op("list every rejected event (admins)", 200, "RejectedEventPage", query=_PAGING)},
    "/tokens": {
        "get": op("list the configured and the stored tokens (admin)", 200, "TokenPage", query=_PAGING),
        "post": op("add a token; the answer shows its secret once (admin)", 201, "NewTokenSecret", body="NewToken"),
    },
    "/tokens/{token_name}": {
        "delete": op("revoke a stored token (admin; 409 for a configured one or the last admin token)", 204, None)
    },
}


def _with_path_parameters(path: str, operations: dict[str, Any]) -> dict[str, Any]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if names:
        parameters = [{"name": n, "in": "path", "required": True, "schema": _PARAMETERS[n]} for n in names]
        return {"parameters": parameters, **operations}
    return operations


def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI document of the API."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "AIFlow REST API", "version": get_version()},
        "servers": [{"url": PREFIX}],
        "security": [{"bearer": []}],
        "paths": {path: _with_path_parameters(path, ops) for path, ops in PATHS.items()},
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
