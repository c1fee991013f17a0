"""Files in an S3 bucket, AWS's or any S3-compatible store (``pip install 'aiflow[s3]'``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiflow.blob_manager.impl.store_blob_manager import StoreBlobManager, optional, required
from aiflow.blob_store import StoreLocation


class S3BlobManager(StoreBlobManager):
    """Keeps files in ``s3://<bucket>/<root_directory>``.

    Settings: ``bucket``, ``root_directory``, ``endpoint_url`` (for a store
    other than AWS), ``region``, ``access_key_id`` and ``secret_access_key``
    (else the usual ``AWS_*`` environment variables and files of botocore).
    """

    @classmethod
    def location(cls, config: Mapping[str, Any]) -> StoreLocation:
        bucket = required(config, cls.__name__, "bucket")
        root = str(config.get("root_directory") or "").strip("/")
        options = optional(config, key="access_key_id", secret="secret_access_key", endpoint_url="endpoint_url")
        if config.get("region"):
            options["client_kwargs"] = {"region_name": config["region"]}
        return StoreLocation(f"s3://{bucket}/{root}", options)
