"""The documented operations of the REST API, and how to send each one, for table-driven tests.

The table is read from the OpenAPI document, so a route added to the API
(and to the document, which ``test_openapi`` enforces) joins every table.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.metadata import TaskExecution, session_scope
from aiflow.metadata.queries.rejected_events import record_rejected_event
from tests.integration.web.conftest import WORKFLOW, make_package, upload, workflow_source
from web.openapi import openapi_document


@dataclass(frozen=True)
class Operation:
    """One documented operation: its path template, method, body schema, query arguments, and if it is public."""

    path: str
    method: str
    body: str | None
    query: frozenset[str]
    public: bool

    def url(self, values: dict[str, str]) -> str:
        """The URL with each ``{param}`` replaced by its value in ``values``.

        ``{attachment_id}`` takes the value of the path's first segment
        (``workflow-schedules`` or ``workflow-triggers``); a parameter
        ``values`` lacks takes ``values["id"]``.
        """
        url, resource = self.path, self.path.split("/")[1]
        for part in self.path.split("/"):
            if part.startswith("{"):
                name = resource if part == "{attachment_id}" else part[1:-1]
                url = url.replace(part, values.get(name) or values["id"])
        return f"/api/v1{url}"

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def documented_operations() -> list[Operation]:
    """Every operation of the OpenAPI document."""
    found = []
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            body = next((media["schema"]["$ref"].rsplit("/", 1)[1] for media in content.values()), None)
            query = frozenset(p["name"] for p in operation.get("parameters", []) if p["in"] == "query")
            found.append(Operation(path, method, body, query, operation.get("security") == []))
    return found


OPERATIONS = documented_operations()


def valid_body(schema: str | None) -> dict[str, Any]:
    """Request arguments with a well-formed body of ``schema``, so the answer depends on the URL and token alone."""
    if schema is None:
        return {}
    if schema == "Upload":
        package = make_package({"wf.py": workflow_source()})
        return {"data": {"package": (io.BytesIO(package), "p.zip")}, "content_type": "multipart/form-data"}
    bodies = {
        "NewNamespace": {"name": "extra"},
        "NamespaceUpdate": {"properties": {"a": "b"}},
        "NewSchedule": {"expression": "cron@0 * * * *"},
        "NewTrigger": {"condition": {"kind": "event", "keys": ["go"]}},
        "NewEvent": {"key": "k", "value": "v"},
        "NewToken": {"name": "extra", "role": "viewer"},
    }
    return {"json": bodies[schema]}


def send(client: FlaskClient, operation: Operation, values: dict[str, str], headers: dict[str, str]) -> Any:
    """Send ``operation`` with a valid body (if it takes one)."""
    call: Callable[..., Any] = getattr(client, operation.method)
    return call(operation.url(values), headers=headers, **valid_body(operation.body))


def populate(client: FlaskClient, engine: Engine, headers: dict[str, str]) -> dict[str, str]:
    """Store two of everything: namespaces ``default`` and ``team``, and in ``default`` workflows ``wf``
    (with two snapshots, executions, schedules and triggers) and ``wf2``, and events.

    Returns:
        The path values (see :meth:`Operation.url`) naming the first of each.
    """
    client.post("/api/v1/namespaces", headers=headers, json={"name": "team"})
    for marker in ("v1", "v2"):
        snapshot = upload(client, make_package({"wf.py": workflow_source(marker=marker)}), headers=headers).json
    upload(client, make_package({"wf2.py": workflow_source("wf2")}), headers=headers)
    executions = [client.post(f"{WORKFLOW}/executions", headers=headers).json["id"] for _ in range(2)]
    with session_scope(engine) as session:
        tasks = [
            TaskExecution(
                workflow_execution_id=executions[0], task_name="hello", sequence_number=number, try_number=1,
                execution_type="MANUAL", status="SUCCESS",
            )
            for number in (1, 2)
        ]
        session.add_all(tasks)
        session.flush()
        task_execution_id = tasks[0].id
        for offset in (1, 2):
            record_rejected_event(session, 10_000 + offset, "default", "bad", "malformed for the test")
    added = {
        plural: [client.post(f"{WORKFLOW}/{plural}", headers=headers, **valid_body(body)).json["id"] for _ in range(2)]
        for plural, body in (("schedules", "NewSchedule"), ("triggers", "NewTrigger"))
    }
    for key in ("a", "b"):
        client.post("/api/v1/namespaces/default/events", headers=headers, json={"key": key})
    return {
        "namespace": "default", "name": "wf", "task_name": "hello", "snapshot_id": str(snapshot["snapshot_id"]),
        "execution_id": str(executions[0]), "task_execution_id": str(task_execution_id),
        "workflow-schedules": str(added["schedules"][0]), "workflow-triggers": str(added["triggers"][0]),
        "token_name": "extra",
    }
