"""Client mistakes are JSON 4xx, never a 500."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_malformed_json_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/namespaces", data="{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json == {"error": "invalid_input", "detail": "the request body is not valid JSON"}


def test_unknown_routes_and_wrong_methods_are_json(client: FlaskClient) -> None:
    unknown = client.get("/api/v1/no/such/route")
    wrong = client.put("/api/v1/namespaces")

    assert (unknown.status_code, unknown.json["error"]) == (404, "not_found")
    assert (wrong.status_code, wrong.json["error"]) == (405, "method_not_allowed")
    assert "GET" in wrong.headers["Allow"]

