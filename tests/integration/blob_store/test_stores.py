"""Every kind of blob store keeps, replaces, finds and drops blobs the same way, against a real server."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from aiflow.blob_store import BlobStoreError, StoreLocation
from aiflow.errors import ConfigError, NotFoundError
from tests.blob_servers import S3Server, WebHdfsServer
from tests.support import free_port


def test_put_get_exists_delete(location: StoreLocation) -> None:
    store = location.open()

    uri = store.put("packages/a.zip", b"data")

    assert uri == store.uri_of("packages/a.zip") and store.key_of(uri) == "packages/a.zip"
    assert store.exists("packages/a.zip") and not store.exists("packages/b.zip")
    assert store.get("packages/a.zip") == b"data"
    with pytest.raises(NotFoundError):
        store.get("packages/b.zip")
    store.delete("packages/a.zip")
    store.delete("packages/b.zip")  # nothing there: nothing to do
    assert not store.exists("packages/a.zip")


def test_a_put_replaces_the_blob_and_leaves_no_temporary_file(location: StoreLocation) -> None:
    store = location.open()
    store.put("files/report.txt", b"first")

    store.put("files/report.txt", b"second, longer")

    assert store.get("files/report.txt") == b"second, longer"
    assert location.open().get("files/report.txt") == b"second, longer"  # another client sees the same


@pytest.mark.parametrize("key", ["../x", "/abs", "a/../../b", "a//b", ""])
def test_keys_cannot_leave_the_root(key: str, location: StoreLocation) -> None:
    with pytest.raises(ValueError):
        location.open().put(key, b"")


def test_uris_name_the_store_and_the_key_without_credentials(s3_location: StoreLocation, tmp_path: Path) -> None:
    store = s3_location.open()

    assert store.uri_of("packages/a.zip") == f"{s3_location.uri}/packages/a.zip"
    assert store.key_of("s3://another-bucket/blobs/packages/a.zip") is None
    assert store.key_of(f"{s3_location.uri}/../a.zip") is None
    assert StoreLocation(str(tmp_path)).open().uri_of("k") == (tmp_path / "k").as_uri()
    assert StoreLocation("webhdfs://me:pw@namenode:9870/data").open().uri == "webhdfs://namenode:9870/data"


def test_the_local_store_keeps_folders_0700_and_files_0600(tmp_path: Path) -> None:
    store = StoreLocation((tmp_path / "blob").as_uri()).open()

    store.put("packages/a.zip", b"data")

    assert stat.S_IMODE((tmp_path / "blob" / "packages").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "blob" / "packages" / "a.zip").stat().st_mode) == 0o600
    assert [p.name for p in (tmp_path / "blob" / "packages").iterdir()] == ["a.zip"]


def test_webhdfs_writes_as_the_configured_user_below_the_path(webhdfs: WebHdfsServer) -> None:
    store = StoreLocation(f"webhdfs://127.0.0.1:{webhdfs.port}/data/aiflow", {"user": "etl"}).open()

    store.put("packages/a.zip", b"zip bytes")

    assert webhdfs.local("/data/aiflow/packages/a.zip").read_bytes() == b"zip bytes"
    assert webhdfs.users == {"etl"}
    assert sorted(p.name for p in webhdfs.local("/data/aiflow/packages").iterdir()) == ["a.zip"]


def test_s3_credentials_come_from_the_environment_when_the_options_give_none(
    s3_server: S3Server, s3_location: StoreLocation, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-the-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    location = StoreLocation(s3_location.uri, {"endpoint_url": s3_server.endpoint_url})

    location.open().put("a", b"1")

    assert location.open().get("a") == b"1"
    assert "environment-secret" in location.secrets()


@pytest.mark.parametrize("uri, extra", [("gs://bucket/x", "gcs"), ("oss://bucket/x", "oss")])
def test_a_missing_filesystem_package_names_the_extra_to_install(uri: str, extra: str) -> None:
    with pytest.raises(ConfigError, match=rf"pip install 'aiflow\[{extra}\]'"):
        StoreLocation(uri).open()


def test_an_unknown_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="no blob store for scheme 'ftp'"):
        StoreLocation("ftp://user:hunter2@host/x").open()
    with pytest.raises(ConfigError) as raised:
        StoreLocation("ftp://user:hunter2@host/x").open()
    assert "hunter2" not in str(raised.value)


def test_errors_and_logs_never_show_credentials(caplog: pytest.LogCaptureFixture) -> None:
    """fsspec's WebHDFS client sends a delegation token in the query string, which its errors quote."""
    caplog.set_level(logging.DEBUG)
    store = StoreLocation(f"webhdfs://127.0.0.1:{free_port()}/x", {"token": "delegation-secret-1234"}).open()

    with pytest.raises(BlobStoreError) as raised:
        store.get("packages/a.zip")

    assert "cannot read 'packages/a.zip'" in str(raised.value)
    assert "delegation-secret-1234" not in str(raised.value)
    assert "delegation-secret-1234" not in caplog.text
    assert "delegation-secret-1234" not in repr(StoreLocation("s3://b", {"secret": "delegation-secret-1234"}))


def test_bad_options_fail_when_the_store_opens_without_showing_secrets(s3_location: StoreLocation) -> None:
    with pytest.raises(ConfigError) as raised:
        StoreLocation("webhdfs://127.0.0.1:1/x", {"token": "tok-secret-99", "user": "someone"}).open()

    assert "cannot be opened" in str(raised.value) and "tok-secret-99" not in str(raised.value)
