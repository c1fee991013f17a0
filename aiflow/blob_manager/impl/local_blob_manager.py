"""Files in a folder (``root_directory``): for a client, a server and workers on one host."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiflow.blob_manager.impl.store_blob_manager import StoreBlobManager, required
from aiflow.blob_store import StoreLocation


class LocalBlobManager(StoreBlobManager):
    """Keeps files below ``root_directory`` on this host (folders 0700, files 0600)."""

    @classmethod
    def location(cls, config: Mapping[str, Any]) -> StoreLocation:
        return StoreLocation(required(config, cls.__name__, "root_directory"))
