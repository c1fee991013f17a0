"""A worker reads a snapshot's package straight from the blob store when it holds it, else through the API.

The API stand-in (:class:`SnapshotServer`) says where each package is stored;
the stores are real: a folder, moto's S3 server, the WebHDFS test server.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from aiflow.blob_store import BlobStore, StoreLocation
from tests.blob_servers import S3Server
from tests.integration.workers.conftest import ENTRY
from tests.integration.workers.snapshot_server import TOKEN, SnapshotServer
from tests.support import free_port
from workers.packages import PackageCache, PackageError

KEY = "packages/abc.zip"


@pytest.fixture
def api(s3_server: S3Server) -> Iterator[SnapshotServer]:
    server = SnapshotServer()
    server.start()
    yield server
    server.stop()


def cache_of(api: SnapshotServer, store: BlobStore | None, folder: Path) -> PackageCache:
    return PackageCache(api.address, TOKEN, folder, timedelta(days=1), store=store)


def package_requests(api: SnapshotServer) -> list[str]:
    return [path for path in api.requests if path.endswith("/package")]


def test_a_package_in_the_workers_store_is_read_from_s3_not_through_the_api(
    api: SnapshotServer, s3_server: S3Server, package: bytes, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="workers.packages")
    store = StoreLocation(s3_server.create_bucket("packages-direct") + "/aiflow", s3_server.options()).open()
    api.add(1, package, ENTRY, uri=store.put(KEY, package))

    with cache_of(api, store, tmp_path / "snapshots").use(1) as cached:
        assert cached.package.read_bytes() == package and cached.entry == ENTRY

    assert package_requests(api) == [] and api.requests == ["/api/v1/snapshots/1"]
    assert f"package read from the blob store {store.uri_of(KEY)}" in caplog.text


@pytest.mark.parametrize("case", ["missing", "other bytes", "unreachable", "elsewhere", "no store"])
def test_the_package_comes_through_the_api_when_the_store_cannot_give_it(
    case: str, api: SnapshotServer, package: bytes, tmp_path: Path
) -> None:
    store: BlobStore | None = StoreLocation(str(tmp_path / "blob")).open()
    uri = store.uri_of(KEY) if store else ""
    if case == "other bytes":
        store.put(KEY, b"not the package")
    elif case == "unreachable":
        store = StoreLocation(f"webhdfs://127.0.0.1:{free_port()}/blob").open()
        uri = store.uri_of(KEY)
    elif case == "elsewhere":
        store.put(KEY, package)
        uri = f"s3://another-bucket/{KEY}"
    elif case == "no store":
        store = None
    api.add(1, package, ENTRY, uri=uri)

    with cache_of(api, store, tmp_path / "snapshots").use(1) as cached:
        assert cached.package.read_bytes() == package

    assert package_requests(api) == ["/api/v1/snapshots/1/package"]


def test_the_hash_is_checked_whichever_way_the_package_came(api: SnapshotServer, package: bytes,
                                                             tmp_path: Path) -> None:
    store = StoreLocation(str(tmp_path / "blob")).open()
    api.add(1, package, ENTRY, content_hash=hashlib.sha256(b"else").hexdigest(), uri=store.put(KEY, package))

    with pytest.raises(PackageError, match="does not match its hash"):
        with cache_of(api, store, tmp_path / "snapshots").use(1):
            pass
