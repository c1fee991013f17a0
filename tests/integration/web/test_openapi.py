"""The OpenAPI document covers every route and describes every field the API returns."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
from flask import Flask
from flask.testing import FlaskClient

from web.api import API_PREFIX
from web.openapi import openapi_document

IGNORED_METHODS = {"HEAD", "OPTIONS"}
WORKFLOW_PATH = "/namespaces/{namespace}/workflows/{name}"


def routes(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every API route the app serves (the web UI's pages are not the API)."""
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX + "/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix(API_PREFIX)
        found.update((path, method.lower()) for method in (rule.methods or set()) - IGNORED_METHODS)
    return found


def documented() -> set[tuple[str, str]]:
    paths = openapi_document()["paths"]
    return {(path, method) for path, item in paths.items() for method in item if method != "parameters"}


def assert_conforms(path: str, method: str, status: int, body: Any) -> None:
    """Fail unless ``body`` matches the documented schema of the operation's ``status`` response."""
    document = openapi_document()
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    schema = {**content["application/json"]["schema"], "components": document["components"]}
    errors = [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(body)]
    assert not errors, f"{method.upper()} {path}: {errors}"


def test_every_route_is_documented(app: Flask) -> None:
    assert routes(app) - documented() == set()


def test_every_documented_operation_is_a_route(app: Flask) -> None:
    assert documented() - routes(app) == set()


def test_the_document_is_served(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").json == openapi_document()


def test_responses_carry_exactly_the_documented_fields(uploaded: dict[str, Any], client: FlaskClient) -> None:
    workflow = "/namespaces/default/workflows/wf"
    execution_id = client.post(f"/api/v1{workflow}/executions").json["id"]
    schedule = client.post(f"/api/v1{workflow}/schedules", json={"expression": "interval@0 0 1 0"})
    event = client.post("/api/v1/namespaces/default/events", json={"key": "k", "value": "v"})
    assert_conforms("/namespaces/{namespace}/workflows", "post", 201, uploaded)
    assert_conforms(f"{WORKFLOW_PATH}/schedules", "post", 201, schedule.json)
    assert_conforms("/namespaces/{namespace}/events", "post", 201, event.json)
    checks = {
        "/namespaces": "/namespaces",
        "/namespaces/{namespace}": "/namespaces/default",
        "/namespaces/{namespace}/workflows": "/namespaces/default/workflows",
        WORKFLOW_PATH: workflow,
        f"{WORKFLOW_PATH}/snapshots": f"{workflow}/snapshots",
        "/snapshots/{snapshot_id}": f"/snapshots/{uploaded['snapshot_id']}",
        f"{WORKFLOW_PATH}/executions": f"{workflow}/executions",
        "/workflow-executions/{execution_id}": f"/workflow-executions/{execution_id}",
        f"{WORKFLOW_PATH}/schedules": f"{workflow}/schedules",
        "/workflow-schedules/{attachment_id}": f"/workflow-schedules/{schedule.json['id']}",
        "/namespaces/{namespace}/events": "/namespaces/default/events",
        "/namespaces/{namespace}/events/count": "/namespaces/default/events/count",
        "/health": "/health",
        "/version": "/version",
    }
    for path, url in checks.items():
        response = client.get(f"/api/v1{url}")
        assert_conforms(path, "get", response.status_code, response.json)
