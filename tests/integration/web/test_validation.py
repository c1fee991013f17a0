"""The API refuses at the door what the scheduler could not run: bad names, periodic expressions that cannot fire,
and JSON that is not JSON. Every case is a 4xx with a JSON message, and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from aiflow.model.names import MAX_NAME_LENGTH
from tests.integration.web.conftest import WORKFLOW, make_package, upload

BAD_NAMES = ["", " padded", "a/b", "../up", "..", ".", "a..b", "tab\there", "nul\x00", "x" * (MAX_NAME_LENGTH + 1)]

DECLARATION = """\
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name={workflow!r}) as workflow:
    BashOperator(name={task!r}, bash_command="true"{options})
"""
"""A workflow file whose workflow is declared on line 4 and its task on line 5."""


def declared(workflow: str = "wf", task: str = "hello", options: str = "") -> bytes:
    return make_package({"wf.py": DECLARATION.format(workflow=workflow, task=task, options=options)})


def assert_refused_upload(client: FlaskClient, package: bytes, line: int, message: str) -> None:
    response = upload(client, package)

    assert response.status_code == 400, response.json
    assert response.json["error"] == "invalid_workflow_file"
    assert (response.json["file"], response.json["line"]) == ("wf.py", line)
    assert message in response.json["message"]
    assert client.get("/api/v1/namespaces/default/workflows").json["total"] == 0


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_namespace_needs_a_plain_name(name: str, client: FlaskClient) -> None:
    response = client.post("/api/v1/namespaces", json={"name": name})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_input"
    assert response.json["detail"].startswith("Namespace name")
    assert [n["name"] for n in client.get("/api/v1/namespaces").json["items"]] == ["default"]


@pytest.mark.parametrize("name", [None, 7, ["team"]])
def test_a_namespace_name_must_be_a_string(name: Any, client: FlaskClient) -> None:
    response = client.post("/api/v1/namespaces", json={"name": name})

    assert (response.status_code, response.json["detail"]) == (400, f"Namespace name must be a string, got "
                                                                    f"{type(name).__name__}")


@pytest.mark.parametrize("name", ["team", "team-1.a_b", "x" * MAX_NAME_LENGTH])
def test_plain_namespace_names_are_taken(name: str, client: FlaskClient) -> None:
    assert client.post("/api/v1/namespaces", json={"name": name}).status_code == 201


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_workflow_needs_a_plain_name(name: str, client: FlaskClient) -> None:
    assert_refused_upload(client, declared(workflow=name), 4, "Workflow name")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_task_needs_a_plain_name(name: str, client: FlaskClient) -> None:
    assert_refused_upload(client, declared(task=name), 5, "Task name")


NEVER_RUNS = [
    ("cron@0 0 31 2 *", "never fires"),
    ("cron@0 0 30 2 *", "never fires"),
    ("cron@0 0 31 4,6,9,11 *", "never fires"),
    ("cron@R * * * *", "random fields"),
    ("cron@61 * * * *", "out of range"),
    ("interval@100000000000000000000 0 0 0", "longer than 3650 days"),
    ("interval@3651 0 0 0", "longer than 3650 days"),
    ("interval@0 0 0 0", "the interval is zero"),
    ("interval@0 0 \u00b2 0", "non-negative integers"),
    ("interval@0 0 -1 0", "non-negative integers"),
]


@pytest.mark.parametrize(("expression", "reason"), NEVER_RUNS)
def test_a_schedule_that_cannot_run_is_refused(
    expression: str, reason: str, uploaded: dict[str, Any], client: FlaskClient
) -> None:
    response = client.post(f"{WORKFLOW}/schedules", json={"expression": expression})

    assert response.status_code == 400
    assert response.json["error"] == "invalid_input"
    assert reason in response.json["detail"]
    assert client.get(f"{WORKFLOW}/schedules").json["total"] == 0


@pytest.mark.parametrize("expression", ["cron@0 0 29 2 *", "cron@0 0 L 2 *", "interval@3650 0 0 0", "interval@0 0 0 1"])
def test_a_schedule_that_can_run_is_added(expression: str, uploaded: dict[str, Any], client: FlaskClient) -> None:
    response = client.post(f"{WORKFLOW}/schedules", json={"expression": expression})

    assert response.status_code == 201, response.json
    assert response.json["expression"] == expression


@pytest.mark.parametrize(("expression", "reason"), NEVER_RUNS)
def test_a_periodic_task_that_cannot_run_is_refused(expression: str, reason: str, client: FlaskClient) -> None:
    package = declared(options=f", periodic_expression={expression!r}")

    assert_refused_upload(client, package, 5, reason)


NOT_JSON = [
    b"NaN",
    b'{"name": NaN}',
    b'{"name": "ns", "properties": {"x": Infinity}}',
    b'{"name": "ns", "properties": {"x": -Infinity}}',
    b'{"name": "ns", "properties": {"x": 1e999}}',
    b'{"name": "ns", "properties": {"x": -1e999}}',
    b'{"name": "ns", "properties": {"x": ' + b"9" * 5000 + b"}}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"name": "\xff\xfe"}',
    b"",
    b"{nope",
]
JSON_ROUTES = [
    ("post", "/api/v1/namespaces"),
    ("patch", "/api/v1/namespaces/default"),
    ("post", "/api/v1/namespaces/default/events"),
    ("post", f"{WORKFLOW}/schedules"),
    ("post", f"{WORKFLOW}/triggers"),
]


@pytest.mark.parametrize("body", NOT_JSON, ids=lambda body: body[:40].decode("latin-1"))
@pytest.mark.parametrize(("method", "url"), JSON_ROUTES)
def test_a_body_that_is_not_strict_json_is_refused(
    method: str, url: str, body: bytes, uploaded: dict[str, Any], client: FlaskClient
) -> None:
    response = getattr(client, method)(url, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json == {"error": "invalid_input", "detail": "the request body is not valid JSON"}


def test_large_finite_numbers_are_still_json(client: FlaskClient) -> None:
    properties = {"big": 1e308, "small": -1e-308, "int": 10**100}

    response = client.post("/api/v1/namespaces", json={"name": "ns", "properties": properties})

    assert response.status_code == 201
    assert response.json["properties"] == properties
