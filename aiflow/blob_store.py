"""Where workflow packages and the files tasks share are kept: a small key-value interface over fsspec.

The API server stores each uploaded package under a key derived from its
content hash; workers read it back straight from the store when they can,
through the API otherwise. :class:`FsspecBlobStore` is the one implementation;
its URL picks the filesystem:

* a folder path or ``file://`` URL: folders 0700, files 0600, each write to a
  temporary file renamed into place;
* ``s3://bucket/prefix``, ``gs://bucket/prefix``, ``oss://bucket/prefix``
  (extras ``aiflow[s3]``, ``[gcs]``, ``[oss]``): a put replaces an object whole;
* ``webhdfs://host:port/path`` (``aiflow[hdfs]``): written under a temporary
  name, then renamed.

Options (credentials, ``endpoint_url``, ...) go to the filesystem as given;
without them each filesystem reads its usual environment variables
(:data:`CREDENTIAL_VARIABLES`). Option values that are credentials never
appear in an error message or a log line: they are masked in both.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import fsspec
from fsspec.implementations.local import LocalFileSystem

from aiflow.errors import ConfigError, NotFoundError, TransientError
from aiflow.file_modes import private_folder

logger = logging.getLogger(__name__)

_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")

EXTRAS = {"s3": "s3", "gs": "gcs", "gcs": "gcs", "oss": "oss", "webhdfs": "hdfs"}
"""The remote schemes a store may use, with the extra of ``aiflow`` that installs their filesystem."""
OBJECT_STORES = frozenset({"s3", "gs", "gcs", "oss"})
"""Schemes where one put replaces an object whole, so no temporary name is needed."""
CREDENTIAL_VARIABLES = {
    "s3": ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
    "gs": ("GOOGLE_APPLICATION_CREDENTIALS",),
    "gcs": ("GOOGLE_APPLICATION_CREDENTIALS",),
    "oss": ("OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"),
}
"""The environment variables each scheme's filesystem takes its credentials from when the options give none."""
_OSS_ENVIRONMENT = {"key": "OSS_ACCESS_KEY_ID", "secret": "OSS_ACCESS_KEY_SECRET", "token": "OSS_SESSION_TOKEN"}
"""ossfs reads only ``OSS_ENDPOINT`` itself; these are the Alibaba Cloud SDK's usual names of the rest."""
SECRET_OPTIONS = frozenset({"key", "secret", "token", "password", "access_key_id", "secret_access_key",
                            "session_token", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"})
"""Option names (at any depth, e.g. in ``client_kwargs``) whose values are credentials."""
MASK = "***"


class BlobStoreError(TransientError):
    """The blob store could not be reached or refused an operation (its credentials masked)."""


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

    @abstractmethod
    def uri_of(self, key: str) -> str:
        """Return the URI of the blob under ``key`` (as :meth:`put` does), without credentials."""

    def key_of(self, uri: str) -> str | None:
        """Return the key of the blob at ``uri`` when it lies in this store, else ``None``."""
        prefix = self.uri_of("")
        key = uri[len(prefix):] if uri.startswith(prefix) else ""
        return key if valid_key(key) else None


@dataclass(frozen=True)
class StoreLocation:
    """A store's URL and the options of its filesystem (``options`` may hold credentials: never shown)."""

    uri: str
    options: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def scheme(self) -> str:
        """The URL's scheme; ``file`` for a plain path."""
        return urlsplit(self.uri).scheme or "file"

    def local_path(self) -> Path | None:
        """The folder of a local store, else ``None``."""
        if self.scheme != "file":
            return None
        return Path(urlsplit(self.uri).path if "://" in self.uri else self.uri).expanduser()

    def secrets(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """The credentials the store uses: secret option values, the URL's password, its scheme's variables."""
        environ = os.environ if environ is None else environ
        found = list(_secret_values(self.options))
        password = urlsplit(self.uri).password
        found += [password] if password else []
        found += [environ[name] for name in CREDENTIAL_VARIABLES.get(self.scheme, ()) if environ.get(name)]
        return sorted(set(found))

    def open(self) -> FsspecBlobStore:
        """Return the store at this location.

        Raises:
            ConfigError: an unsupported scheme, a missing filesystem package (naming the extra), bad options.
        """
        return FsspecBlobStore(self)


class FsspecBlobStore(BlobStore):
    """Blobs as files of an fsspec filesystem below the location's root."""

    def __init__(self, location: StoreLocation) -> None:
        self.location = location
        self._secrets = location.secrets()
        local = location.local_path()
        if local is not None:
            self._protocol, self._options, self._root = "file", {}, str(local.absolute())
            self.uri = local.absolute().as_uri()
            return
        scheme = location.scheme
        if scheme not in EXTRAS:
            raise ConfigError(f"blob store {self._public(location.uri)}: no blob store for scheme {scheme!r} "
                              f"(use a folder, file://, {', '.join(s + '://' for s in EXTRAS)})")
        with self._config_errors():
            cls = fsspec.get_filesystem_class(scheme)
            self._options = {**_environment_options(scheme), **cls._get_kwargs_from_urls(location.uri),
                             **location.options}
            self._root = str(cls._strip_protocol(location.uri)).rstrip("/")
            self._protocol = scheme
            self._filesystem()  # bad options fail here, at startup
        self.uri = self._public(location.uri).rstrip("/")

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        with self._errors("store", key):
            if self._protocol == "file":
                _write_private_file(Path(path), data)
            elif self._protocol in OBJECT_STORES:
                self._filesystem().pipe_file(path, data)
            else:
                self._write_then_rename(path, data)
        return self.uri_of(key)

    def get(self, key: str) -> bytes:
        path = self._path(key)
        with self._errors("read", key):
            try:
                data: bytes = self._filesystem().cat_file(path)
            except FileNotFoundError:
                raise NotFoundError(f"no blob stored under {key!r}") from None
        return data

    def exists(self, key: str) -> bool:
        path = self._path(key)
        with self._errors("look up", key):
            return bool(self._filesystem().isfile(path))

    def delete(self, key: str) -> None:
        path = self._path(key)
        with self._errors("delete", key), suppress(FileNotFoundError):
            self._filesystem().rm_file(path)

    def uri_of(self, key: str) -> str:
        return f"{self.uri}/{key}"

    def _filesystem(self) -> fsspec.AbstractFileSystem:
        """The filesystem, from fsspec's cache of instances (which it renews in a forked child)."""
        if self._protocol == "file":
            return LocalFileSystem()
        return fsspec.filesystem(self._protocol, **self._options)

    def _write_then_rename(self, path: str, data: bytes) -> None:
        """Write under a temporary name beside ``path``, then rename it over (HDFS renames onto no file)."""
        fs = self._filesystem()
        temporary = f"{path.rsplit('/', 1)[0]}/.upload-{secrets.token_hex(8)}"
        fs.pipe_file(temporary, data)
        try:
            if fs.isfile(path):
                fs.rm_file(path)
            fs.mv(temporary, path)
        except BaseException:
            fs.rm_file(temporary)
            raise

    def _path(self, key: str) -> str:
        if not valid_key(key):
            raise ValueError(f"invalid blob key {key!r}")
        return f"{self._root}/{key}"

    def _public(self, uri: str) -> str:
        """``uri`` without user, password, query or fragment."""
        parts = urlsplit(uri)
        if not parts.scheme:
            return uri
        return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))

    def _mask(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text

    @contextmanager
    def _config_errors(self) -> Iterator[None]:
        try:
            yield
        except ImportError:
            extra = EXTRAS[self.location.scheme]
            raise ConfigError(f"blob store {self._public(self.location.uri)}: its filesystem is not installed; "
                              f"pip install 'aiflow[{extra}]'") from None
        except Exception as exc:
            raise ConfigError(f"blob store {self._public(self.location.uri)}: cannot be opened: "
                              f"{self._mask(f'{type(exc).__name__}: {exc}')}") from None

    @contextmanager
    def _errors(self, action: str, key: str) -> Iterator[None]:
        """Turn the filesystem's errors into :class:`BlobStoreError` (a missing bucket too), credentials masked."""
        try:
            yield
        except NotFoundError:
            raise
        except Exception as exc:
            message = self._mask(f"blob store {self.uri}: cannot {action} {key!r}: {type(exc).__name__}: {exc}")
            logger.debug("%s", message)
            raise BlobStoreError(message) from None


def valid_key(key: str) -> bool:
    """Whether ``key`` is slash-separated names of letters, digits, ``_``, ``.`` and ``-``, with no ``..``."""
    return bool(_KEY.match(key)) and ".." not in key.split("/")


def _write_private_file(path: Path, data: bytes) -> None:
    private_folder(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")  # mode 0600
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _environment_options(scheme: str) -> dict[str, str]:
    if scheme != "oss":
        return {}
    return {option: os.environ[name] for option, name in _OSS_ENVIRONMENT.items() if os.environ.get(name)}


def _secret_values(options: Mapping[str, Any]) -> Iterator[str]:
    for name, value in options.items():
        if isinstance(value, Mapping):
            yield from _secret_values(value)
        elif name.lower() in SECRET_OPTIONS and isinstance(value, str) and value:
            yield value
