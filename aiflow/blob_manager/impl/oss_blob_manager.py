"""Files in an Alibaba Cloud OSS bucket (``pip install 'aiflow[oss]'``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiflow.blob_manager.impl.store_blob_manager import StoreBlobManager, optional, required
from aiflow.blob_store import StoreLocation


class OssBlobManager(StoreBlobManager):
    """Keeps files in ``oss://<bucket>/<root_directory>``.

    Settings: ``bucket``, ``root_directory``, ``endpoint`` (a domain, or a URL),
    ``access_key_id`` and ``access_key_secret`` (else ``OSS_ACCESS_KEY_ID`` and
    ``OSS_ACCESS_KEY_SECRET`` from the environment).
    """

    @classmethod
    def location(cls, config: Mapping[str, Any]) -> StoreLocation:
        bucket = required(config, cls.__name__, "bucket")
        root = str(config.get("root_directory") or "").strip("/")
        options = optional(config, key="access_key_id", secret="access_key_secret")
        endpoint = str(config.get("endpoint") or "")
        if endpoint:
            options["endpoint"] = endpoint if "://" in endpoint else f"https://{endpoint}"
        return StoreLocation(f"oss://{bucket}/{root}", options)
