"""Uploading workflows, and listing, showing, enabling, disabling and deleting them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from notification.client import NotificationClient
from tests.integration.web.conftest import TWO_WORKFLOWS, WORKFLOW, make_package, set_status, upload, workflow_source
from tests.integration.web.operations import OPERATIONS, populate


def commands(bus: NotificationClient) -> list[Command]:
    """The commands published so far."""
    return [Command.from_event(event) for event in bus.list_events(COMMAND_EVENT_KEY)]


def test_upload_stores_the_workflow_its_snapshot_and_package(
    uploaded: dict[str, Any], bus: NotificationClient, client: FlaskClient
) -> None:
    package = make_package({"wf.py": workflow_source()})

    assert uploaded["name"] == "wf" and uploaded["namespace"] == "default"
    assert uploaded["snapshot_id"] == uploaded["snapshot"]["id"]
    assert uploaded["snapshot"]["content_hash"] == hashlib.sha256(package).hexdigest()
    assert "BashOperator" in uploaded["content"]
    assert commands(bus) == [Command(CommandKind.WORKFLOW_CHANGED, workflow_id=uploaded["id"])]
    shown = client.get("/api/v1/namespaces/default/workflows/wf").json
    assert shown == {k: v for k, v in uploaded.items() if k != "snapshot"}
    assert client.get("/api/v1/namespaces/default/workflows").json == {"items": [shown], "total": 1}


def test_identical_content_makes_no_new_snapshot(uploaded: dict[str, Any], client: FlaskClient) -> None:
    first = uploaded["snapshot"]["id"]
    second = upload(client, make_package({"wf.py": workflow_source(marker="v2")})).json["snapshot"]["id"]

    again = upload(client, make_package({"wf.py": workflow_source()}))

    assert again.status_code == 201
    assert again.json["snapshot"]["id"] == first != second
    assert again.json["snapshot_id"] == first
    snapshots = client.get("/api/v1/namespaces/default/workflows/wf/snapshots").json
    assert [s["id"] for s in snapshots["items"]] == [first, second]


def test_artifacts_and_a_named_entry_and_workflow(client: FlaskClient) -> None:
    package = make_package({"flows/main.py": "import helper\n" + TWO_WORKFLOWS, "flows/helper.py": "X = 1\n"})

    response = upload(client, package, entry="flows/main.py", name="second")

    assert response.status_code == 201, response.json
    assert response.json["name"] == "second"


def test_a_file_with_several_workflows_needs_a_name(client: FlaskClient) -> None:
    response = upload(client, make_package({"wf.py": TWO_WORKFLOWS}))

    assert response.status_code == 400
    assert "'first'" in response.json["detail"] and "'second'" in response.json["detail"]


def test_a_syntax_error_names_file_and_line(client: FlaskClient, bus: NotificationClient) -> None:
    response = upload(client, make_package({"wf.py": "x = 1\ndef broken(:\n"}))

    assert response.status_code == 400
    assert response.json["error"] == "invalid_workflow_file"
    assert (response.json["file"], response.json["line"]) == ("wf.py", 2)
    assert "SyntaxError" in response.json["message"]
    assert client.get("/api/v1/namespaces/default/workflows").json["total"] == 0
    assert commands(bus) == []


def test_zip_slip_members_are_refused(client: FlaskClient, tmp_path: Any) -> None:
    for evil in ("../evil.py", "/etc/evil.py", "a/../../evil.py"):
        response = upload(client, make_package({"wf.py": workflow_source(), evil: "x = 1\n"}))

        assert response.status_code == 400, evil
        assert "unsafe path" in response.json["detail"]
    assert not (tmp_path.parent / "evil.py").exists()


def test_bad_packages_are_refused(client: FlaskClient) -> None:
    assert upload(client, b"not a zip").status_code == 400
    assert upload(client, make_package({"a.py": "", "b.py": ""})).status_code == 400
    assert upload(client, make_package({"wf.py": workflow_source()}), entry="missing.py").status_code == 400
    no_file = client.post("/api/v1/namespaces/default/workflows", data={}, content_type="multipart/form-data")
    assert no_file.status_code == 400
    assert upload(client, make_package({"wf.py": workflow_source()}), "nowhere").status_code == 404


def test_oversized_packages_are_refused(app_factory: Callable[..., Flask]) -> None:
    client = app_factory(max_upload_bytes=4096).test_client()
    big = make_package({"wf.py": workflow_source(), "data.bin": bytes(range(256)) * 64})
    bomb = make_package({"wf.py": workflow_source(), "zeros.bin": b"\0" * 100_000})

    assert upload(client, big).status_code == 413
    response = upload(client, bomb)
    assert response.status_code == 413
    assert response.json["error"] == "request_entity_too_large"


def test_enable_disable_and_delete(uploaded: dict[str, Any], client: FlaskClient, bus: NotificationClient) -> None:
    base = "/api/v1/namespaces/default/workflows/wf"

    assert client.post(f"{base}/disable").json["is_enabled"] is False
    assert client.post(f"{base}/executions").status_code == 409
    assert client.post(f"{base}/enable").json["is_enabled"] is True
    assert client.delete(base).status_code == 204

    assert client.get(base).status_code == 404
    assert client.get(f"/api/v1/snapshots/{uploaded['snapshot_id']}").status_code == 404
    changed = Command(CommandKind.WORKFLOW_CHANGED, workflow_id=uploaded["id"])
    assert commands(bus) == [changed] * 4


def test_a_workflow_with_a_running_execution_is_not_deleted(uploaded: dict[str, Any], client: FlaskClient) -> None:
    client.post("/api/v1/namespaces/default/workflows/wf/executions")

    response = client.delete("/api/v1/namespaces/default/workflows/wf")

    assert response.status_code == 409


def test_delete_cascades_to_everything_attached(client: FlaskClient, engine: Engine) -> None:
    values = populate(client, engine, {})
    for execution in client.get(f"{WORKFLOW}/executions").json["items"]:
        set_status(engine, execution["id"], "SUCCESS")
    by_id = [operation for operation in OPERATIONS if operation.method == "get" and "_id}" in operation.path]
    assert all(client.get(operation.url(values)).status_code == 200 for operation in by_id)

    assert client.delete(WORKFLOW).status_code == 204

    assert {str(operation): client.get(operation.url(values)).status_code for operation in by_id} == {
        str(operation): 404 for operation in by_id
    }
    assert [w["name"] for w in client.get("/api/v1/namespaces/default/workflows").json["items"]] == ["wf2"]
