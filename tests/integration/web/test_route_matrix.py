"""Every documented operation, from one table: tokens, scopes, unknown ids, malformed JSON.

Each table test sends every operation (see :mod:`tests.integration.web.operations`)
and collects the answers that differ from the expected status, so one failure
lists them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.integration.web.conftest import bearer
from tests.integration.web.operations import OPERATIONS, Operation, populate, send

BAD_TOKENS = [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic YWRtaW46c2VjcmV0"}]
UNKNOWN = {"namespace": "nope", "name": "nope", "task_name": "hello", "id": "999"}


def mismatches(
    client: FlaskClient, operations: list[Operation], values: dict[str, str], headers: dict[str, str],
    expected: Callable[[Operation], int],
) -> list[str]:
    """Send each operation; return ``"<op>: <status> (expected <n>)"`` for each unexpected answer."""
    found = []
    for operation in operations:
        status = send(client, operation, values, headers).status_code
        if status != expected(operation):
            found.append(f"{operation}: {status} (expected {expected(operation)})")
    return found


@pytest.fixture
def secured(secured_app: Flask, engine: Engine) -> tuple[FlaskClient, dict[str, str]]:
    """A client of the secured server holding two of everything in ``default``, and the path values."""
    client = secured_app.test_client()
    return client, populate(client, engine, bearer("admin"))


ADMIN_ONLY_READS = {"/rejected-events", "/tokens"}
"""Reads across namespaces that only admins may make."""


def stored(client: FlaskClient, values: dict[str, str]) -> list[Any]:
    """What an admin reads of every resource: equal before and after refused requests."""
    reads = [operation for operation in OPERATIONS if operation.method == "get" and not operation.public]
    return [send(client, operation, values, bearer("admin")).get_data() for operation in reads]


@pytest.mark.parametrize("headers", BAD_TOKENS, ids=["no token", "wrong token", "not bearer"])
def test_every_operation_but_the_public_ones_needs_a_valid_token(
    secured_app: Flask, headers: dict[str, str]
) -> None:
    client = secured_app.test_client()

    def expected(operation: Operation) -> int:
        return 200 if operation.public else 401

    assert mismatches(client, OPERATIONS, UNKNOWN, headers, expected) == []


def test_a_viewer_changes_nothing(secured: tuple[FlaskClient, dict[str, str]]) -> None:
    client, values = secured
    before = stored(client, values)
    writes = [operation for operation in OPERATIONS if operation.method != "get"]

    assert mismatches(client, writes, values, bearer("viewer"), lambda _: 403) == []
    assert stored(client, values) == before


def test_a_scoped_editor_reaches_nothing_in_another_namespace(secured: tuple[FlaskClient, dict[str, str]]) -> None:
    """``editor`` may use ``team`` only: ``default`` by name is 403, its objects by id are 404."""
    client, values = secured
    before = stored(client, values)

    def expected(operation: Operation) -> int:
        if "_id}" in operation.path:
            return 404
        if "{namespace}" in operation.path or operation.method != "get" or operation.path in ADMIN_ONLY_READS:
            return 403
        return 200  # the public operations, /version, and /namespaces (filtered; checked below)

    assert mismatches(client, OPERATIONS, values, bearer("editor"), expected) == []
    team = {"name": "team", "properties": {}}
    assert client.get("/api/v1/namespaces", headers=bearer("editor")).json == {"items": [team], "total": 1}
    assert stored(client, values) == before


WORKER_OPERATIONS = {"GET /snapshots/{snapshot_id}", "GET /snapshots/{snapshot_id}/package"}
"""What a worker token may call: fetch a snapshot and its package."""


def test_a_worker_fetches_snapshots_and_nothing_else(secured: tuple[FlaskClient, dict[str, str]]) -> None:
    client, values = secured
    before = stored(client, values)

    def expected(operation: Operation) -> int:
        return 200 if operation.public or str(operation) in WORKER_OPERATIONS else 403

    assert mismatches(client, OPERATIONS, values, bearer("worker"), expected) == []
    assert stored(client, values) == before


def test_unknown_names_and_ids_are_404(client: FlaskClient) -> None:
    named = [operation for operation in OPERATIONS if "{" in operation.path]

    assert mismatches(client, named, UNKNOWN, {}, lambda _: 404) == []


@pytest.mark.parametrize("body", ["{nope", "", "[1, 2]", '"text"', "null"])
def test_malformed_json_bodies_are_400(client: FlaskClient, body: str) -> None:
    values = {"namespace": "default", "name": "wf", "id": "1"}
    failures = []
    for operation in (operation for operation in OPERATIONS if operation.body not in (None, "Upload")):
        call = getattr(client, operation.method)
        response = call(operation.url(values), data=body, content_type="application/json")
        if (response.status_code, response.json["error"]) != (400, "invalid_input"):
            failures.append(f"{operation}: {response.status_code} {response.json}")

    assert failures == []
