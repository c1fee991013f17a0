"""The API server keeps packages in the store its configuration names: S3 (moto's server) or WebHDFS.

A store that fails answers 503 with a message that names the store but not its credentials.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from aiflow.blob_store import StoreLocation
from tests.blob_servers import S3Server, WebHdfsServer
from tests.integration.web.conftest import make_package, upload, workflow_source

SECRET = "s3-secret-of-the-server"


@pytest.fixture
def s3_app(app_factory: Callable[..., Flask], s3_server: S3Server, s3_bucket: str) -> tuple[Flask, StoreLocation]:
    location = StoreLocation(f"s3://{s3_bucket}/aiflow", s3_server.options(secret=SECRET))
    return app_factory(blob_store_uri=location.uri, blob_store_options=dict(location.options)), location


def test_uploads_are_stored_in_s3_served_from_there_and_dropped_with_their_snapshots(
    s3_app: tuple[Flask, StoreLocation]
) -> None:
    app, location = s3_app
    client, store, package = app.test_client(), location.open(), make_package({"wf.py": workflow_source()})
    content_hash = hashlib.sha256(package).hexdigest()

    first = upload(client, package).json
    upload(client, make_package({"wf.py": workflow_source(marker="v2")}))

    snapshot = client.get(f"/api/v1/snapshots/{first['snapshot_id']}").json
    assert snapshot["uri"] == f"{location.uri}/packages/{content_hash}.zip"
    assert store.get(f"packages/{content_hash}.zip") == package
    assert client.get(f"/api/v1/snapshots/{first['snapshot_id']}/package").data == package
    assert client.delete(f"/api/v1/snapshots/{first['snapshot_id']}").status_code == 204
    assert not store.exists(f"packages/{content_hash}.zip")


def test_a_store_that_fails_answers_503_without_its_credentials(
    app_factory: Callable[..., Flask], s3_server: S3Server
) -> None:
    app = app_factory(blob_store_uri="s3://no-such-bucket/aiflow", blob_store_options=s3_server.options(secret=SECRET))

    answer = upload(app.test_client(), make_package({"wf.py": workflow_source()}))

    assert answer.status_code == 503 and answer.json["error"] == "unavailable"
    assert "blob store s3://no-such-bucket/aiflow: cannot store" in answer.json["detail"]
    assert SECRET not in answer.get_data(as_text=True)


def test_the_servers_hdfs_blob_manager_section_is_its_package_store(
    app_factory: Callable[..., Flask], tmp_path: Path
) -> None:
    with WebHdfsServer(tmp_path / "hdfs") as hdfs:
        app = app_factory(blob_manager={
            "blob_manager_class": "ai_flow_plugins.blob_manager_plugins.hdfs_blob_manager.HDFSBlobManager",
            "blob_manager_config": {"hdfs_url": f"http://127.0.0.1:{hdfs.port}", "hdfs_user": "aiflow",
                                    "root_directory": "/user/aiflow"}})
        package = make_package({"wf.py": workflow_source()})

        snapshot_id = upload(app.test_client(), package).json["snapshot_id"]

        stored = hdfs.local(f"/user/aiflow/packages/{hashlib.sha256(package).hexdigest()}.zip")
        assert stored.read_bytes() == package and hdfs.users == {"aiflow"}
        assert app.test_client().get(f"/api/v1/snapshots/{snapshot_id}/package").data == package
