"""The built-in blob managers upload and download files through real stores, as tasks on two hosts would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from aiflow.errors import InvalidInputError, NotFoundError
from aiflow.plugin_interface.blob_manager_interface import BlobManager, BlobManagerFactory
from tests.blob_servers import S3_KEY, S3_SECRET, S3Server, WebHdfsServer

PLUGINS = "ai_flow_plugins.blob_manager_plugins"


@pytest.fixture(params=["local", "s3", "hdfs"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server) -> tuple[str, dict[str, Any]]:
    """A documented class path and its documented settings, for each kind of store."""
    if request.param == "local":
        return f"{PLUGINS}.local_blob_manager.LocalBlobManager", {"root_directory": str(tmp_path / "shared")}
    if request.param == "s3":
        return f"{PLUGINS}.s3_blob_manager.S3BlobManager", {
            "bucket": request.getfixturevalue("s3_bucket"), "root_directory": "project/files", "region": "us-east-1",
            "endpoint_url": s3_server.endpoint_url, "access_key_id": S3_KEY, "secret_access_key": S3_SECRET}
    hdfs: WebHdfsServer = request.getfixturevalue("webhdfs")
    return "ai_flow.blob_manager.impl.hdfs_blob_manager.HDFSBlobManager", {
        "hdfs_url": f"http://127.0.0.1:{hdfs.port}", "hdfs_user": "hdfs", "root_directory": "/tmp/aiflow"}


def manager(settings: tuple[str, dict[str, Any]]) -> BlobManager:
    return BlobManagerFactory.create_blob_manager(*settings)


def test_a_file_uploaded_by_one_manager_is_downloaded_by_another(settings: tuple[str, dict[str, Any]],
                                                                 tmp_path: Path) -> None:
    source = tmp_path / "producer" / "model.bin"
    source.parent.mkdir()
    source.write_bytes(b"\x00weights\xff")

    uri = manager(settings).upload(local_file_path=str(source))
    by_name = manager(settings).download("model.bin", str(tmp_path / "consumer"))
    by_uri = manager(settings).download(uri, str(tmp_path / "again"))

    assert uri.endswith("/model.bin")
    assert Path(by_name).read_bytes() == Path(by_uri).read_bytes() == b"\x00weights\xff"
    assert by_name == str(tmp_path / "consumer" / "model.bin")


def test_downloading_a_file_never_uploaded_is_not_found(settings: tuple[str, dict[str, Any]],
                                                        tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        manager(settings).download("missing.txt", str(tmp_path))


def test_uploads_of_folders_and_downloads_outside_the_store_are_refused(settings: tuple[str, dict[str, Any]],
                                                                        tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a file"):
        manager(settings).upload(str(tmp_path))
    with pytest.raises(InvalidInputError, match="invalid blob name"):
        manager(settings).download("../../etc/passwd", str(tmp_path))
