"""Files in HDFS through WebHDFS (``pip install 'aiflow[hdfs]'``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from aiflow.blob_manager.impl.store_blob_manager import StoreBlobManager, optional, required
from aiflow.blob_store import StoreLocation


class HDFSBlobManager(StoreBlobManager):
    """Keeps files below ``root_directory`` of the HDFS whose WebHDFS address is ``hdfs_url``.

    Settings: ``hdfs_url`` (``http://namenode:9870``; ``https://`` for TLS),
    ``hdfs_user`` (the user files are written as) and ``root_directory``.
    """

    @classmethod
    def location(cls, config: Mapping[str, Any]) -> StoreLocation:
        address = urlsplit(required(config, cls.__name__, "hdfs_url"))
        root = required(config, cls.__name__, "root_directory").strip("/")
        options: dict[str, Any] = optional(config, user="hdfs_user")
        if address.scheme == "https":
            options["use_https"] = True
        return StoreLocation(f"webhdfs://{address.hostname}:{address.port or 9870}/{root}", options)
