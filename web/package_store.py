"""Packages in the blob store, kept while a snapshot (of any workflow) refers to them.

A package is stored under its content hash, so identical uploads share one blob.
Deleting snapshots drops the blobs no snapshot refers to any more, after the
deletion has committed. An upload checks its blob is still there after its own
commit, which it may not be if the last snapshot sharing it was deleted meanwhile.
"""

from __future__ import annotations

from collections.abc import Collection

from aiflow.metadata.queries.workflows import unreferenced_hashes
from web.packages import Package, package_key
from web.services import services, transaction


def store_package(package: Package) -> str:
    """Store the package's blob (before its snapshot is recorded); return its URI."""
    return services().blobs.put(package.blob_key, package.data)


def ensure_stored(package: Package) -> None:
    """Store the blob again if a concurrent deletion dropped it after :func:`store_package`."""
    if not services().blobs.exists(package.blob_key):
        store_package(package)


def drop_unused_packages(content_hashes: Collection[str]) -> None:
    """Delete the blobs of those of ``content_hashes`` that no snapshot has any more."""
    with transaction() as session:
        unused = unreferenced_hashes(session, content_hashes)
    for content_hash in unused:
        services().blobs.delete(package_key(content_hash))
