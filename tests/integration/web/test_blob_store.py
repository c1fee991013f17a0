"""The local blob store and the choice of store by URI."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow.blob_store import LocalBlobStore, blob_store_from_uri
from aiflow.errors import ConfigError, NotFoundError


def test_put_get_exists_delete(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)

    uri = store.put("packages/a.zip", b"data")

    assert uri == (tmp_path / "packages" / "a.zip").as_uri()
    assert store.exists("packages/a.zip") and not store.exists("packages/b.zip")
    assert store.get("packages/a.zip") == b"data"
    with pytest.raises(NotFoundError):
        store.get("packages/b.zip")
    store.delete("packages/a.zip")
    store.delete("packages/b.zip")  # nothing there: nothing to do
    assert not store.exists("packages/a.zip")


@pytest.mark.parametrize("key", ["../x", "/abs", "a/../../b", "a//b", ""])
def test_keys_cannot_leave_the_root(key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        LocalBlobStore(tmp_path).put(key, b"")


def test_store_by_uri(tmp_path: Path) -> None:
    assert isinstance(blob_store_from_uri(str(tmp_path)), LocalBlobStore)
    assert isinstance(blob_store_from_uri(tmp_path.as_uri()), LocalBlobStore)
    with pytest.raises(ConfigError, match="s3"):
        blob_store_from_uri("s3://bucket/prefix")
