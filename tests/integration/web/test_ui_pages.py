"""The web UI over HTTP: sign-in, its cookie, CSRF, what each token's pages show, and bad input."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.web.conftest import TOKENS, bearer, make_package, upload, workflow_source
from web.session import CSRF_HEADER


def browser(app: Flask) -> FlaskClient:
    """A client that keeps cookies over HTTPS, as a browser keeps the Secure session cookie."""
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def sign_in(client: FlaskClient, role: str, next_path: str = "/") -> str:
    """Sign in with the test token of ``role``; return the session's CSRF token."""
    page = client.get(f"/login?next={next_path}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf is not None
    answer = client.post("/login", data={"token": TOKENS[role], "csrf_token": csrf.group(1), "next": next_path})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    signed_in = client.get(answer.headers["Location"], follow_redirects=True).get_data(as_text=True)
    fresh = re.search(r'name="csrf-token" content="([^"]+)"', signed_in)  # a new session has a new CSRF token
    assert fresh is not None and fresh.group(1) != csrf.group(1)
    return fresh.group(1)


@pytest.fixture
def secured(secured_app: Flask) -> Flask:
    """The secured server with workflow ``wf`` in ``team`` and namespace ``default``'s own ``wf``."""
    client = secured_app.test_client()
    assert client.post("/api/v1/namespaces", json={"name": "team"}, headers=bearer("admin")).status_code == 201
    for namespace in ("team", "default"):
        assert upload(client, make_package({"wf.py": workflow_source()}), namespace,
                      headers=bearer("admin")).status_code == 201
    return secured_app


def test_a_page_without_a_session_goes_to_the_sign_in_form(secured: Flask) -> None:
    answer = browser(secured).get("/namespaces/team/workflows")
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/login?next=/namespaces/team/workflows"


def test_signing_in_keeps_only_the_tokens_digest_in_a_secure_http_only_cookie(secured: Flask) -> None:
    client = browser(secured)
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"token": TOKENS["editor"], "csrf_token": csrf, "next": "/"})
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert TOKENS["editor"] not in cookie
    assert client.get("/").headers["Location"] == "/namespaces/team/workflows"
    assert "wf" in client.get("/namespaces/team/workflows").get_data(as_text=True)


def test_a_wrong_token_or_a_missing_csrf_token_starts_no_session(secured: Flask) -> None:
    client = browser(secured)
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    wrong = client.post("/login", data={"token": "not-a-token", "csrf_token": csrf})
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
    no_csrf = client.post("/login", data={"token": TOKENS["editor"]})
    assert no_csrf.status_code == 403
    assert client.get("/namespaces/team/workflows").status_code == 302


def test_sign_in_never_redirects_off_the_site(secured: Flask) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        client = browser(secured)
        page = client.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        answer = client.post("/login", data={"token": TOKENS["editor"], "csrf_token": csrf, "next": target})
        assert answer.headers["Location"] == "/", target


def test_a_cookie_alone_changes_nothing_without_the_sessions_csrf_token(secured: Flask) -> None:
    client = browser(secured)
    csrf = sign_in(client, "editor")
    url = "/api/v1/namespaces/team/workflows/wf/executions"
    refused = client.post(url)
    assert refused.status_code == 403 and refused.is_json and "CSRF" in refused.get_json()["detail"]
    assert client.post(url, headers={CSRF_HEADER: "forged"}).status_code == 403
    assert client.get("/api/v1/namespaces/team/workflows/wf/executions").get_json()["total"] == 0
    assert client.post(url, headers={CSRF_HEADER: csrf}).status_code in (201, 503)  # 503: no scheduler's bus here


def test_a_viewer_sees_no_action_and_another_namespace_does_not_exist(secured: Flask) -> None:
    viewer = browser(secured)
    sign_in(viewer, "viewer")
    page = viewer.get("/namespaces/team/workflows").get_data(as_text=True)
    assert "wf" in page and "<button type=\"button\"" not in page and 'id="upload"' not in page

    editor = browser(secured)
    sign_in(editor, "editor")
    assert 'id="upload"' in editor.get("/namespaces/team/workflows").get_data(as_text=True)
    for path in ("/namespaces/default/workflows", "/namespaces/default/workflows/wf", "/namespaces/default/events",
                 "/namespaces/default/executions", "/namespaces/nowhere/workflows"):
        answer = editor.get(path)
        assert answer.status_code == 404, path
        assert "wf" not in answer.get_data(as_text=True).split("<main>")[1]


def test_a_revoked_token_ends_its_sessions(secured_app: Flask) -> None:
    admin = secured_app.test_client()
    added = admin.post("/api/v1/tokens", json={"name": "temp2", "role": "viewer"}, headers=bearer("admin"))
    token = added.get_json()["token"]
    client = browser(secured_app)
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"token": token, "csrf_token": csrf}).status_code == 302
    assert client.get("/namespaces/default/workflows").status_code == 200
    assert admin.delete("/api/v1/tokens/temp2", headers=bearer("admin")).status_code == 204
    assert client.get("/namespaces/default/workflows").status_code == 302


def test_unknown_ids_and_bad_filters_answer_pages_not_errors(client: FlaskClient) -> None:
    assert client.get("/executions/999999").status_code == 404
    assert client.get("/task-executions/999999/log").status_code == 404
    assert client.get("/namespaces/default/executions?limit=abc").status_code == 400
    assert client.get("/namespaces/default/executions?status=NOPE").status_code == 200


def test_a_single_python_file_uploads_as_a_workflow(client: FlaskClient) -> None:
    data = {"package": (io.BytesIO(workflow_source().encode()), "wf.py")}
    answer = client.post("/api/v1/namespaces/default/workflows", data=data, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["snapshot"]["entry"] == "wf.py"

