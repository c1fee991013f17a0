"""Tokens added and revoked through ``/api/v1/tokens`` while the server runs, next to the configured ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from aiflow.errors import ConfigError
from aiflow.metadata import ApiToken, session_scope
from tests.integration.web.conftest import bearer
from web.auth import hash_token

TOKENS = "/api/v1/tokens"


def auth(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def add(client: FlaskClient, headers: dict[str, str] | None = None, **body: Any) -> Any:
    return client.post(TOKENS, json=body, headers=headers)


def listed(client: FlaskClient, headers: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    response = client.get(TOKENS, headers=headers)
    assert response.status_code == 200, response.json
    return {item["name"]: item for item in response.json["items"]}


@pytest.fixture
def secured(secured_app: Flask) -> FlaskClient:
    """A client of the server with configured admin, editor (``team``), viewer and worker tokens."""
    client = secured_app.test_client()
    assert client.post("/api/v1/namespaces", json={"name": "team"}, headers=bearer("admin")).status_code == 201
    return client


def test_an_added_token_works_at_once_and_only_its_hash_is_stored(secured: FlaskClient, engine: Engine) -> None:
    response = add(secured, bearer("admin"), name="ci-2", role="editor", namespaces=["team"])

    assert response.status_code == 201
    body = dict(response.json)
    secret = body.pop("token")
    assert len(secret) >= 43
    assert body == {"name": "ci-2", "role": "editor", "namespaces": ["team"], "source": "database",
                    "create_time": body["create_time"], "created_by": "root"}
    with session_scope(engine) as session:
        assert session.scalars(select(ApiToken.token_sha256)).all() == [hash_token(secret)]
    assert secured.get("/api/v1/namespaces/team", headers=auth(secret)).status_code == 200
    assert secured.get("/api/v1/namespaces/default", headers=auth(secret)).status_code == 403
    assert secured.post("/api/v1/namespaces", json={"name": "x"}, headers=auth(secret)).status_code == 403


def test_the_list_shows_both_sources_and_no_hash_or_secret(secured: FlaskClient) -> None:
    secret = add(secured, bearer("admin"), name="extra", role="viewer").json["token"]

    response = secured.get(TOKENS, headers=bearer("admin"))
    tokens = {item["name"]: item for item in response.json["items"]}

    assert response.json["total"] == 5
    assert {name: (item["source"], item["role"]) for name, item in tokens.items()} == {
        "ci": ("config", "editor"), "dash": ("config", "viewer"), "extra": ("database", "viewer"),
        "fetch": ("config", "worker"), "root": ("config", "admin")}
    assert tokens["ci"]["namespaces"] == ["team"] and tokens["extra"]["namespaces"] is None
    assert tokens["root"]["create_time"] is None and tokens["extra"]["created_by"] == "root"
    text = response.get_data(as_text=True)
    assert secret not in text and hash_token(secret) not in text and hash_token("admin-secret") not in text


def test_a_revoked_token_is_refused_by_every_server_process_at_once(
    app_factory: Callable[..., Flask], secured: FlaskClient
) -> None:
    """Two apps on one database stand for two gunicorn workers: no restart, no stale cache."""
    secret = add(secured, bearer("admin"), name="ops", role="admin").json["token"]
    other = app_factory(rest_bind_address="0.0.0.0").test_client()  # no configured token there
    assert other.get("/api/v1/namespaces", headers=auth(secret)).status_code == 200

    assert other.delete(f"{TOKENS}/ops", headers=bearer("admin")).status_code == 401  # root is not configured there
    assert secured.delete(f"{TOKENS}/ops", headers=bearer("admin")).status_code == 204

    assert other.get("/api/v1/namespaces", headers=auth(secret)).status_code == 401
    assert secured.get("/api/v1/namespaces", headers=auth(secret)).status_code == 401
    assert "ops" not in listed(secured, bearer("admin"))


def test_an_open_server_closes_with_its_first_stored_token_and_opens_when_it_is_revoked(client: FlaskClient) -> None:
    assert client.get("/api/v1/namespaces").status_code == 200
    response = add(client, name="first", role="admin")
    assert response.status_code == 201 and response.json["created_by"] == "local"
    secret = response.json["token"]

    assert client.get("/api/v1/namespaces").status_code == 401
    assert client.get("/api/v1/namespaces", headers=auth("anything")).status_code == 401
    assert client.get("/api/v1/namespaces", headers=auth(secret)).status_code == 200

    assert client.delete(f"{TOKENS}/first", headers=auth(secret)).status_code == 204
    assert client.get("/api/v1/namespaces").status_code == 200


def test_the_last_admin_token_is_not_revoked_while_others_remain(client: FlaskClient) -> None:
    admin = auth(add(client, name="admin-1", role="admin").json["token"])
    assert add(client, admin, name="viewer-1", role="viewer").status_code == 201

    refused = client.delete(f"{TOKENS}/admin-1", headers=admin)

    assert refused.status_code == 409
    assert "last admin token" in refused.json["detail"]
    assert add(client, admin, name="admin-2", role="admin").status_code == 201
    assert client.delete(f"{TOKENS}/admin-1", headers=admin).status_code == 204
    assert client.get("/api/v1/namespaces", headers=admin).status_code == 401


def test_a_server_on_a_public_address_starts_with_stored_tokens_only(
    client: FlaskClient, app_factory: Callable[..., Flask]
) -> None:
    with pytest.raises(ConfigError, match="no token is stored"):
        app_factory(rest_bind_address="0.0.0.0")
    secret = add(client, name="only", role="admin").json["token"]

    public = app_factory(rest_bind_address="0.0.0.0").test_client()

    assert public.get("/api/v1/namespaces").status_code == 401
    assert public.get("/api/v1/namespaces", headers=auth(secret)).status_code == 200
    refused = public.delete(f"{TOKENS}/only", headers=auth(secret))
    assert (refused.status_code, "last admin token" in refused.json["detail"]) == (409, True)


@pytest.mark.parametrize("role", ["editor", "viewer", "worker"])
def test_only_admins_manage_tokens(secured: FlaskClient, role: str) -> None:
    headers = bearer(role)
    assert secured.get(TOKENS, headers=headers).status_code == 403
    assert add(secured, headers, name="mine", role="admin").status_code == 403
    assert secured.delete(f"{TOKENS}/ci", headers=headers).status_code == 403
    assert "mine" not in listed(secured, bearer("admin"))


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"role": "viewer"}, "Token name must be a string"),
        ({"name": "a b", "role": "viewer"}, "Token name 'a b' may hold only"),
        ({"name": "..", "role": "viewer"}, "must not be '.' or contain '..'"),
        ({"name": "t"}, "field 'role' must be one of admin, editor, viewer, worker"),
        ({"name": "t", "role": "owner"}, "field 'role' must be one of"),
        ({"name": "t", "role": ["admin"]}, "field 'role' must be one of"),
        ({"name": "t", "role": "viewer", "namespaces": "team"}, "field 'namespaces' must be a list"),
        ({"name": "t", "role": "viewer", "namespaces": ["ok", "a/b"]}, "Namespace name 'a/b'"),
        ({"name": "t", "role": "viewer", "namespaces": [1]}, "Namespace name must be a string"),
        ({"name": "t", "role": "admin", "namespaces": ["team"]}, "an admin token covers every namespace"),
    ],
)
def test_bad_input_is_400(secured: FlaskClient, body: dict[str, Any], detail: str) -> None:
    response = add(secured, bearer("admin"), **body)

    assert (response.status_code, response.json["error"]) == (400, "invalid_input")
    assert detail in response.json["detail"]
    assert set(listed(secured, bearer("admin"))) == {"ci", "dash", "fetch", "root"}


def test_names_are_unique_across_both_sources(secured: FlaskClient) -> None:
    assert add(secured, bearer("admin"), name="extra", role="viewer").status_code == 201

    again = add(secured, bearer("admin"), name="extra", role="editor")
    configured = add(secured, bearer("admin"), name="ci", role="viewer")

    assert (again.status_code, again.json["detail"]) == (409, "token 'extra' already exists")
    assert (configured.status_code, configured.json["detail"]) == (409, "token 'ci' is configured in api_tokens")


def test_revoking_an_unknown_or_a_configured_token(secured: FlaskClient) -> None:
    unknown = secured.delete(f"{TOKENS}/nope", headers=bearer("admin"))
    configured = secured.delete(f"{TOKENS}/ci", headers=bearer("admin"))

    assert (unknown.status_code, unknown.json["detail"]) == (404, "token 'nope' does not exist")
    assert configured.status_code == 409
    assert "configured in api_tokens; remove it there and restart" in configured.json["detail"]
    assert secured.get("/api/v1/namespaces", headers=bearer("editor")).status_code == 200


def test_an_empty_namespace_list_grants_nothing(app_factory: Callable[..., Flask]) -> None:
    tokens = {
        "root": {"token_sha256": hash_token("admin-secret"), "role": "admin"},
        "none": {"token_sha256": hash_token("none-secret"), "role": "editor", "namespaces": []},
        "all": {"token_sha256": hash_token("all-secret"), "role": "viewer"},
    }
    client = app_factory(api_tokens=tokens).test_client()
    stored = auth(add(client, auth("admin-secret"), name="stored-none", role="viewer", namespaces=[]).json["token"])
    assert listed(client, auth("admin-secret"))["stored-none"]["namespaces"] == []

    for headers in (auth("none-secret"), stored):
        assert client.get("/api/v1/namespaces", headers=headers).json == {"items": [], "total": 0}
        assert client.get("/api/v1/namespaces/default", headers=headers).status_code == 403
        assert client.get("/api/v1/namespaces/default/events", headers=headers).status_code == 403
    assert client.post("/api/v1/namespaces/default/events", headers=auth("none-secret"),
                       json={"key": "k"}).status_code == 403
    assert client.get("/api/v1/namespaces/default", headers=auth("all-secret")).status_code == 200
