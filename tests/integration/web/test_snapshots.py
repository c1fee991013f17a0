"""Snapshots: show, download the package the workers use, delete old ones."""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.integration.web.conftest import WORKFLOW, make_package, set_status, upload, workflow_source
from web.packages import package_key
from web.services import services


def test_show_and_download_with_the_content_hash(uploaded: dict[str, Any], client: FlaskClient) -> None:
    snapshot_id = uploaded["snapshot_id"]

    shown = client.get(f"/api/v1/snapshots/{snapshot_id}")
    package = client.get(f"/api/v1/snapshots/{snapshot_id}/package")

    assert shown.json == uploaded["snapshot"]
    assert shown.json["entry"] == "wf.py"
    assert package.status_code == 200
    assert package.mimetype == "application/zip"
    assert package.data == make_package({"wf.py": workflow_source()})
    assert package.headers["X-AIFlow-Content-Hash"] == hashlib.sha256(package.data).hexdigest()


def test_unknown_snapshots_are_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/snapshots/7").status_code == 404
    assert client.get("/api/v1/snapshots/7/package").status_code == 404
    assert client.get(f"/api/v1/snapshots/{2**64}").status_code == 404
    assert client.get("/api/v1/namespaces/default/workflows/nope/snapshots").status_code == 404
    assert client.delete("/api/v1/snapshots/7").status_code == 404
    assert client.delete("/api/v1/namespaces/default/workflows/nope/snapshots").status_code == 404


def test_old_snapshots_are_deleted_with_their_finished_executions(
    uploaded: dict[str, Any], client: FlaskClient, engine: Engine
) -> None:
    first = uploaded["snapshot_id"]
    old_execution = client.post(f"{WORKFLOW}/executions").json["id"]
    second = upload(client, make_package({"wf.py": workflow_source(marker="v2")})).json["snapshot_id"]

    assert client.delete(f"/api/v1/snapshots/{first}").status_code == 409  # its execution is unfinished
    assert client.delete(f"{WORKFLOW}/snapshots").status_code == 409
    set_status(engine, old_execution, "SUCCESS")
    current = client.delete(f"/api/v1/snapshots/{second}")
    assert (current.status_code, current.json["error"]) == (409, "conflict")
    assert "current version" in current.json["detail"]
    assert client.delete(f"/api/v1/snapshots/{first}").status_code == 204

    assert [s["id"] for s in client.get(f"{WORKFLOW}/snapshots").json["items"]] == [second]
    assert client.get(f"/api/v1/workflow-executions/{old_execution}").status_code == 404
    assert client.post(f"{WORKFLOW}/executions").status_code == 201


def test_deleting_all_snapshots_keeps_the_current_one(uploaded: dict[str, Any], client: FlaskClient) -> None:
    for marker in ("v2", "v3"):
        current = upload(client, make_package({"wf.py": workflow_source(marker=marker)})).json["snapshot_id"]

    assert client.delete(f"{WORKFLOW}/snapshots").json == {"deleted": 2}
    assert client.delete(f"{WORKFLOW}/snapshots").json == {"deleted": 0}
    assert [s["id"] for s in client.get(f"{WORKFLOW}/snapshots").json["items"]] == [current]
    assert client.get(f"/api/v1/snapshots/{uploaded['snapshot_id']}").status_code == 404


def test_a_package_is_dropped_once_no_snapshot_of_any_workflow_has_it(
    uploaded: dict[str, Any], client: FlaskClient, app: Flask
) -> None:
    with app.app_context():
        blobs = services().blobs
    first = package_key(uploaded["snapshot"]["content_hash"])
    client.post("/api/v1/namespaces", json={"name": "team"})
    assert upload(client, make_package({"wf.py": workflow_source()}), "team").status_code == 201  # same package
    second = package_key(upload(client, make_package({"wf.py": workflow_source(marker="v2")})).json["snapshot"]
                         ["content_hash"])

    assert client.delete(f"{WORKFLOW}/snapshots").json == {"deleted": 1}
    assert blobs.exists(first)  # team's workflow still has it
    assert client.delete("/api/v1/namespaces/team/workflows/wf").status_code == 204
    assert not blobs.exists(first) and blobs.exists(second)
    assert client.delete(WORKFLOW).status_code == 204
    assert not blobs.exists(second)
