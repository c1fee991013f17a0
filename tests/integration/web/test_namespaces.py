"""``/namespaces``: add, list, show, update, delete."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.integration.web.conftest import make_package, upload, workflow_source


def test_add_show_update_list_and_delete(client: FlaskClient) -> None:
    added = client.post("/api/v1/namespaces", json={"name": "team", "properties": {"owner": "ml"}})
    assert added.status_code == 201
    assert added.json == {"name": "team", "properties": {"owner": "ml"}}

    updated = client.patch("/api/v1/namespaces/team", json={"properties": {"owner": "data"}})
    assert updated.json == {"name": "team", "properties": {"owner": "data"}}
    assert client.get("/api/v1/namespaces/team").json == updated.json
    listed = client.get("/api/v1/namespaces?limit=1&offset=1").json
    assert listed == {"items": [updated.json], "total": 2}

    assert client.delete("/api/v1/namespaces/team").status_code == 204
    assert client.get("/api/v1/namespaces/team").status_code == 404


def test_a_taken_name_is_a_conflict(client: FlaskClient) -> None:
    response = client.post("/api/v1/namespaces", json={"name": "default"})

    assert response.status_code == 409
    assert response.json["error"] == "conflict"


def test_bad_names_and_bodies_are_refused(client: FlaskClient) -> None:
    assert client.post("/api/v1/namespaces", json={"name": "a b"}).status_code == 400
    assert client.post("/api/v1/namespaces", json={}).status_code == 400
    assert client.post("/api/v1/namespaces", json=["team"]).status_code == 400
    assert client.post("/api/v1/namespaces", json={"name": "t", "properties": 3}).status_code == 400


def test_a_namespace_holding_workflows_is_not_deleted(client: FlaskClient) -> None:
    client.post("/api/v1/namespaces", json={"name": "team"})
    assert upload(client, make_package({"wf.py": workflow_source()}), "team").status_code == 201

    response = client.delete("/api/v1/namespaces/team")

    assert response.status_code == 409
    assert client.get("/api/v1/namespaces/team").status_code == 200


def test_the_default_namespace_is_not_deleted(client: FlaskClient) -> None:
    response = client.delete("/api/v1/namespaces/default")

    assert (response.status_code, response.json["error"]) == (409, "conflict")
    assert "cannot be deleted" in response.json["detail"]
    assert client.get("/api/v1/namespaces/default").status_code == 200
