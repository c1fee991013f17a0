"""Workflow packages from the API server, cached on the worker's disk per snapshot.

A try needs two things of its snapshot (docs/contracts.md, section 4):

* the package, a zip of the workflow file and its files, from
  ``GET /api/v1/snapshots/<id>/package``; its SHA-256 must equal the
  ``X-AIFlow-Content-Hash`` header;
* the path of the workflow file in the package, the ``entry`` field of
  ``GET /api/v1/snapshots/<id>``. The try executes that file from the unpacked
  package, so the file sees its own location as ``__file__``.

A worker that reads the server's package store (``worker_reads_blob_store``)
takes the package straight from it when the snapshot's ``uri`` lies in that
store and the blob matches the snapshot's ``content_hash``; if the store cannot
be reached, holds no such blob or holds other bytes, the package comes through
the API after all.

A snapshot never changes, so each is downloaded once per worker host and kept
in ``{work_dir}/snapshots/<id>``; workers need no shared filesystem and no
database. A try holds its snapshot's folder (:mod:`workers.held_paths`) while it
runs; a folder no try has used for the retention period (``worker_run_retention``)
is removed by the worker's :class:`~workers.sweeping.Sweeper`, and downloaded
again if a try needs it later.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiflow.backoff import Outage
from aiflow.blob_store import BlobStore
from aiflow.errors import AIFlowError
from workers.held_paths import remove_unused_folders, using_folder
from workers.sweeping import SWEEP_BATCH, ResumableScan

CONTENT_HASH_HEADER = "X-AIFlow-Content-Hash"
PACKAGE_FILE = "package.zip"
ENTRY_FILE = "entry"
LOCK_FILE = ".aiflow-snapshot.lock"
HTTP_TIMEOUT = 60.0
UNAVAILABLE = frozenset({502, 503, 504})
"""Answers that mean the API server (or its database) is away for now: the download is tried again."""

logger = logging.getLogger(__name__)


class PackageError(AIFlowError):
    """A snapshot's package could not be fetched, or failed its hash check."""


class ServerUnavailable(PackageError):
    """The API server could not be reached, or answered that it is unavailable for now."""


@dataclass(frozen=True)
class CachedSnapshot:
    """A snapshot's files on this host."""

    folder: Path

    @property
    def package(self) -> Path:
        """The zip of the workflow file and its files."""
        return self.folder / PACKAGE_FILE

    @property
    def entry(self) -> str:
        """The workflow file's path in the package."""
        return (self.folder / ENTRY_FILE).read_text(encoding="utf-8")

    def extract_to(self, folder: Path) -> None:
        """Unpack the package into ``folder`` (created; it must not exist yet)."""
        folder.mkdir(parents=True)
        with zipfile.ZipFile(self.package) as archive:
            archive.extractall(folder)  # zipfile drops absolute paths and '..' from member names


class PackageCache:
    """Fetches snapshots from the API server at ``server_address`` into ``folder``, once each.

    Packages that lie in ``store`` are read from it directly. Snapshots no try has
    used for ``retention`` are removed by :meth:`sweep`.
    """

    def __init__(self, server_address: str, token: str | None, folder: Path, retention: timedelta,
                 clock: Callable[[], float] = time.time, store: BlobStore | None = None) -> None:
        self._server = server_address.rstrip("/")
        self._store = store
        self._token = token
        self._folder = folder
        self._retention = retention.total_seconds()
        self._clock = clock
        self._scan = ResumableScan(lambda: folder.glob("*"))

    @contextmanager
    def use(self, snapshot_id: int, stop: threading.Event | None = None) -> Iterator[CachedSnapshot]:
        """Hold the snapshot's files while the block runs, downloading them unless this host has them.

        While the API server is unreachable or answers that it is unavailable, the download is tried
        again with capped backoff (logged once per outage) until it gets through or ``stop`` is set.

        Raises:
            PackageError: the server refused the request, the hash does not match, or ``stop`` was set.
        """
        cached = CachedSnapshot(self._folder / str(snapshot_id))
        with using_folder(cached.folder, LOCK_FILE, lambda: self._download(snapshot_id, cached.folder, stop)):
            yield cached

    def sweep(self, limit: int = SWEEP_BATCH) -> int:
        """Remove the snapshots unused for the retention period that no try holds; return how many.

        One call looks at up to ``limit`` folders; the next goes on from there.
        """
        return remove_unused_folders(self._scan.batch(limit), self._clock() - self._retention, LOCK_FILE)

    def _download(self, snapshot_id: int, target: Path, stop: threading.Event | None) -> None:
        record = json.loads(self._fetch_when_available(f"/api/v1/snapshots/{snapshot_id}", stop)[0])
        if not record.get("entry"):
            raise PackageError(f"snapshot {snapshot_id} names no workflow file (it predates revision 0004): "
                               "upload the workflow again")
        package = self._from_store(snapshot_id, record) or self._from_api(snapshot_id, stop)
        self._folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{snapshot_id}-", dir=self._folder))
        (staging / PACKAGE_FILE).write_bytes(package)
        (staging / ENTRY_FILE).write_text(record["entry"], encoding="utf-8")
        (staging / LOCK_FILE).touch(0o600)
        try:
            os.rename(staging, target)  # atomic: readers see all files or none
        except OSError:
            shutil.rmtree(staging)  # another job of this host cached it first
            if not target.exists():
                raise

    def _from_store(self, snapshot_id: int, record: dict[str, object]) -> bytes | None:
        """The package read from the store, if the snapshot's ``uri`` lies there and its blob has the right hash."""
        key = self._store.key_of(str(record.get("uri") or "")) if self._store else None
        if self._store is None or key is None:
            return None
        try:
            package = self._store.get(key)
        except AIFlowError as exc:
            logger.info("Worker: snapshot %s: no package from the blob store (%s); asking the API server",
                        snapshot_id, exc)
            return None
        if hashlib.sha256(package).hexdigest() != record.get("content_hash"):
            logger.warning("Worker: snapshot %s: the blob store's package does not match its hash; asking the "
                           "API server", snapshot_id)
            return None
        logger.info("Worker: snapshot %s: package read from the blob store %s", snapshot_id, self._store.uri_of(key))
        return package

    def _from_api(self, snapshot_id: int, stop: threading.Event | None) -> bytes:
        package, content_hash = self._fetch_when_available(f"/api/v1/snapshots/{snapshot_id}/package", stop)
        if hashlib.sha256(package).hexdigest() != content_hash:
            raise PackageError(f"package of snapshot {snapshot_id} does not match its hash {content_hash!r}")
        return package

    def _fetch_when_available(self, path: str, stop: threading.Event | None) -> tuple[bytes, str]:
        """:meth:`_fetch`, again after each outage of the API server, until it answers or ``stop`` is set."""
        outage = Outage(logger, f"Worker: GET {path}")
        while True:
            try:
                result = self._fetch(path)
            except ServerUnavailable as exc:
                if (stop or threading.Event()).wait(outage.failed(exc)):
                    raise PackageError(f"stopped while waiting for the API server: {exc}") from None
                continue
            outage.succeeded()
            return result

    def _fetch(self, path: str) -> tuple[bytes, str]:
        """GET ``path``; return the body and the content hash header (empty when absent)."""
        request = urllib.request.Request(self._server + path)
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                return response.read(), response.headers.get(CONTENT_HASH_HEADER, "")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")[:500]
            error = ServerUnavailable if exc.code in UNAVAILABLE else PackageError
            raise error(f"GET {path} failed with HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise ServerUnavailable(f"GET {self._server}{path} failed: {exc}") from None
