"""Where workflow packages are kept: a small key-value interface over a blob store.

The API server stores each uploaded package under a key derived from its
content hash; workers fetch it back through the API (or straight from the
store when they can reach it). :class:`LocalBlobStore` keeps blobs in a
directory (folders 0700, files 0600); an object store (S3, OSS) implements the same four methods.
"""

from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from urllib.parse import urlsplit

from aiflow.errors import ConfigError, NotFoundError
from aiflow.file_modes import private_folder

_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class BlobStore(ABC):
    """Stores immutable blobs under slash-separated keys (``packages/<sha256>.zip``)."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> str:
        """Store ``data`` under ``key`` (replacing any blob there) and return the blob's URI."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """Return the blob stored under ``key``.

        Raises:
            NotFoundError: nothing is stored under ``key``.
        """

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Return whether a blob is stored under ``key``."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the blob stored under ``key``, if there is one."""


class LocalBlobStore(BlobStore):
    """Blobs as files below a root directory, written atomically (temporary file, then rename)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        private_folder(path.parent)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # mode 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
        return path.as_uri()

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"no blob stored under {key!r}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key) or ".." in key.split("/"):
            raise ValueError(f"invalid blob key {key!r}")
        return self.root / key


def blob_store_from_uri(uri: str) -> BlobStore:
    """Open the blob store a configuration names: a directory path or a ``file://`` URL.

    Raises:
        ConfigError: the URI names a scheme no store implements.
    """
    parts = urlsplit(uri)
    if parts.scheme in ("", "file"):
        return LocalBlobStore(parts.path if parts.scheme else uri)
    raise ConfigError(f"blob_store_uri: no blob store for scheme {parts.scheme!r} (use a directory path)")
