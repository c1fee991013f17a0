"""Blob stores over real servers: a local folder, moto's S3 server and the test WebHDFS server.

The S3 server starts once per module (``s3_server``); each test gets a bucket of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from aiflow.blob_store import StoreLocation
from tests.blob_servers import S3Server, WebHdfsServer


@pytest.fixture
def s3_location(s3_server: S3Server, s3_bucket: str) -> StoreLocation:
    """A prefix of a new bucket of the S3 server."""
    return StoreLocation(f"s3://{s3_bucket}/blobs", s3_server.options())


@pytest.fixture
def webhdfs(tmp_path: Path) -> Iterator[WebHdfsServer]:
    with WebHdfsServer(tmp_path / "hdfs") as server:
        yield server


@pytest.fixture(params=["local", "s3", "webhdfs"])
def location(request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server) -> StoreLocation:
    """Each kind of store in turn (the S3 server is asked for here, so it starts before any test's thread check)."""
    if request.param == "local":
        return StoreLocation(str(tmp_path / "blob"))
    if request.param == "s3":
        return request.getfixturevalue("s3_location")
    server: WebHdfsServer = request.getfixturevalue("webhdfs")
    return StoreLocation(f"webhdfs://127.0.0.1:{server.port}/aiflow/blobs", {"user": "aiflow"})
