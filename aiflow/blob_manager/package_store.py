"""Which store holds the server's workflow packages, read from ``aiflow_server.yaml``.

A ``blob_manager`` section, when the file gives one, wins: its built-in class and
settings name the store (as they would for a task). Otherwise the store is
``blob_store_uri`` with ``blob_store_options``. A user's own blob manager class
is refused here: the servers import no code but AIFlow's, and a package store
needs more than upload and download.
"""

from __future__ import annotations

from aiflow.blob_manager.impl.store_blob_manager import StoreBlobManager
from aiflow.blob_store import StoreLocation
from aiflow.config import ServerConfig
from aiflow.errors import ConfigError
from aiflow.plugin_interface.blob_manager_interface import BlobConfig, blob_manager_class

BUILT_IN_PATHS = ("ai_flow.blob_manager.impl.", "ai_flow_plugins.blob_manager_plugins.", "aiflow.blob_manager.impl.")
"""The prefixes of the built-in blob managers' class paths."""


def package_store_location(config: ServerConfig) -> StoreLocation:
    """Return where the server keeps packages.

    Raises:
        ConfigError: the ``blob_manager`` section names no built-in class, or lacks a setting it needs.
    """
    if not config.blob_manager:
        return StoreLocation(config.blob_store_uri, dict(config.blob_store_options))
    blob = BlobConfig(config.blob_manager)
    name = blob.blob_manager_class()
    manager = blob_manager_class(name) if name.startswith(BUILT_IN_PATHS) else None
    if manager is None or not issubclass(manager, StoreBlobManager):
        raise ConfigError(f"blob_manager: {name!r} is not a built-in blob manager; the server keeps packages in "
                          "LocalBlobManager, S3BlobManager, OssBlobManager or HDFSBlobManager stores only")
    return manager.location(blob.blob_manager_config())
