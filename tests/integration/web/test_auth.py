"""Bearer tokens: no token, a wrong one, a viewer writing, a scoped token outside its namespace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from aiflow.errors import ConfigError
from tests.integration.web.conftest import bearer, make_package, upload, workflow_source


@pytest.fixture
def secured(secured_app: Flask) -> FlaskClient:
    """A client of the secured server, with workflow ``wf`` in ``team`` and in ``default``."""
    client = secured_app.test_client()
    assert client.post("/api/v1/namespaces", json={"name": "team"}, headers=bearer("admin")).status_code == 201
    for namespace in ("team", "default"):
        response = upload(client, make_package({"wf.py": workflow_source()}), namespace, headers=bearer("admin"))
        assert response.status_code == 201
    return client


def test_requests_without_a_valid_token_are_401(secured: FlaskClient) -> None:
    missing = secured.get("/api/v1/namespaces")
    wrong = secured.get("/api/v1/namespaces", headers={"Authorization": "Bearer nope"})
    basic = secured.get("/api/v1/namespaces", headers={"Authorization": "Basic YTpi"})

    assert [r.status_code for r in (missing, wrong, basic)] == [401, 401, 401]
    assert missing.json["error"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"] == "Bearer"


def test_health_and_the_document_need_no_token(secured: FlaskClient) -> None:
    assert secured.get("/api/v1/health").status_code == 200
    assert secured.get("/api/v1/openapi.json").status_code == 200
    assert secured.get("/api/v1/version").status_code == 401


def test_a_viewer_reads_but_never_writes(secured: FlaskClient) -> None:
    viewer = bearer("viewer")

    assert secured.get("/api/v1/namespaces/team/workflows/wf", headers=viewer).status_code == 200
    for method, url in [
        ("post", "/api/v1/namespaces/team/workflows/wf/executions"),
        ("post", "/api/v1/namespaces/team/workflows/wf/disable"),
        ("delete", "/api/v1/namespaces/team/workflows/wf"),
        ("post", "/api/v1/namespaces/team/events"),
    ]:
        response = getattr(secured, method)(url, headers=viewer, json={"key": "k"})
        assert response.status_code == 403, url


def test_a_scoped_editor_stays_in_its_namespace(secured: FlaskClient) -> None:
    editor, admin = bearer("editor"), bearer("admin")
    own = secured.post("/api/v1/namespaces/team/workflows/wf/executions", headers=editor)
    other = secured.post("/api/v1/namespaces/default/workflows/wf/executions", headers=admin).json["id"]

    assert own.status_code == 201
    assert secured.get("/api/v1/namespaces", headers=editor).json["items"] == [{"name": "team", "properties": {}}]
    for url in ["/namespaces/default", "/namespaces/default/workflows", "/namespaces/default/workflows/wf",
                "/namespaces/default/events", "/namespaces/default/workflows/wf/schedules"]:
        assert secured.get(f"/api/v1{url}", headers=editor).status_code == 403, url
    for url in [f"/workflow-executions/{other}", f"/workflow-executions/{other}/task-executions",
                "/snapshots/2", "/snapshots/2/package"]:
        assert secured.get(f"/api/v1{url}", headers=editor).status_code == 404, url
    assert secured.post(f"/api/v1/workflow-executions/{other}/stop", headers=editor).status_code == 404
    assert secured.post("/api/v1/namespaces/default/events", headers=editor, json={"key": "k"}).status_code == 403
    assert secured.post("/api/v1/namespaces", headers=editor, json={"name": "x"}).status_code == 403
    assert secured.get(f"/api/v1/workflow-executions/{other}", headers=admin).status_code == 200


def test_an_open_server_on_a_public_address_refuses_to_start(app_factory: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="api_tokens"):
        app_factory(rest_bind_address="0.0.0.0")


@pytest.mark.parametrize(
    "entry",
    [
        "not a mapping",
        {"token_sha256": "abc", "role": "admin"},
        {"token_sha256": "a" * 64, "role": "owner"},
        {"token_sha256": "a" * 64, "role": "editor", "namespaces": "team"},
        {"token_sha256": "a" * 64, "role": "admin", "namespaces": []},
    ],
)
def test_malformed_tokens_are_a_config_error(entry: Any, app_factory: Callable[..., Flask]) -> None:
    with pytest.raises(ConfigError, match="api_tokens: bad"):
        app_factory(api_tokens={"bad": entry})
