"""``/metrics`` of the API server: who may read it, and requests counted by route, never by path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.web.conftest import TOKENS, bearer
from tests.support import Scrape
from web.auth import hash_token

SCOPED_VIEWER = "scoped-viewer-secret"
ALL_NAMESPACES_EDITOR = "all-editor-secret"


def read(client: FlaskClient, headers: dict[str, str] | None = None) -> Scrape:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return Scrape.parse(response.get_data(as_text=True))


@pytest.fixture
def guarded(app_factory: Callable[..., Flask]) -> FlaskClient:
    """A server with tokens of every role, and a viewer of ``team`` only and an editor of every namespace."""
    def token(role: str, secret: str, **scope: list[str]) -> dict[str, object]:
        return {"token_sha256": hash_token(secret), "role": role, **scope}

    tokens = {"root": token("admin", TOKENS["admin"]), "dash": token("viewer", TOKENS["viewer"]),
              "team-dash": token("viewer", SCOPED_VIEWER, namespaces=["team"]),
              "ci": token("editor", ALL_NAMESPACES_EDITOR), "fetch": token("worker", TOKENS["worker"])}
    return app_factory(api_tokens=tokens, rest_bind_address="0.0.0.0").test_client()


def test_an_admin_and_a_viewer_of_every_namespace_read_the_metrics_and_nobody_else(guarded: FlaskClient) -> None:
    answers = {who: guarded.get("/metrics", headers=headers).status_code for who, headers in {
        "admin": bearer("admin"), "viewer": bearer("viewer"), "no token": {},
        "viewer of team": {"Authorization": f"Bearer {SCOPED_VIEWER}"},
        "editor": {"Authorization": f"Bearer {ALL_NAMESPACES_EDITOR}"}, "worker": bearer("worker")}.items()}

    assert answers == {"admin": 200, "viewer": 200, "no token": 401, "viewer of team": 403, "editor": 403,
                       "worker": 403}


def test_an_open_server_serves_its_metrics_to_anyone(client: FlaskClient) -> None:
    assert read(client).value("aiflow_api_requests_total", route="/metrics", method="GET", status="200") is None
    assert read(client).value("aiflow_api_requests_total", route="/metrics", method="GET", status="200") == 1


def test_requests_count_by_the_route_they_matched_with_their_status_and_time(client: FlaskClient) -> None:
    for execution_id in (123456, 654321):
        assert client.get(f"/api/v1/workflow-executions/{execution_id}").status_code == 404
    client.get("/no/such/page/secret-name")
    client.open("/api/v1/health", method="BREW")

    scraped = read(client)

    route = "/api/v1/workflow-executions/<id:execution_id>"
    assert scraped.value("aiflow_api_requests_total", route=route, method="GET", status="404") == 2
    assert scraped.value("aiflow_api_request_duration_seconds_count", route=route, method="GET") == 2
    assert scraped.value("aiflow_api_requests_total", route="<unmatched>", method="GET", status="404") == 1
    assert scraped.value("aiflow_api_requests_total", route="<unmatched>", method="other", status="405") == 1
    routes = {dict(labels).get("route", "") for _, labels in scraped.samples}
    assert not any("123456" in route or "secret-name" in route for route in routes)


def test_requests_refused_before_their_view_count_too(guarded: FlaskClient) -> None:
    guarded.get("/api/v1/namespaces")

    scraped = read(guarded, bearer("admin"))

    assert scraped.value("aiflow_api_requests_total", route="/api/v1/namespaces", method="GET", status="401") == 1
    assert scraped.value("aiflow_api_request_duration_seconds_count", route="/api/v1/namespaces", method="GET") == 1
