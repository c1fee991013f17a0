"""Snapshots and the package download the workers use."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import cloudpickle
from flask.testing import FlaskClient

from tests.integration.web.conftest import make_package, workflow_source


def test_show_and_download_with_the_content_hash(uploaded: dict[str, Any], client: FlaskClient) -> None:
    snapshot_id = uploaded["snapshot_id"]

    shown = client.get(f"/api/v1/snapshots/{snapshot_id}")
    package = client.get(f"/api/v1/snapshots/{snapshot_id}/package")

    detail = dict(shown.json)
    workflow = cloudpickle.loads(base64.b64decode(detail.pop("workflow_object")))
    assert detail == uploaded["snapshot"]
    assert workflow.name == "wf"
    assert package.status_code == 200
    assert package.mimetype == "application/zip"
    assert package.data == make_package({"wf.py": workflow_source()})
    assert package.headers["X-AIFlow-Content-Hash"] == hashlib.sha256(package.data).hexdigest()


def test_unknown_snapshots_are_404(client: FlaskClient) -> None:
    assert client.get("/api/v1/snapshots/7").status_code == 404
    assert client.get("/api/v1/snapshots/7/package").status_code == 404
    assert client.get(f"/api/v1/snapshots/{2**64}").status_code == 404
    assert client.get("/api/v1/namespaces/default/workflows/nope/snapshots").status_code == 404
