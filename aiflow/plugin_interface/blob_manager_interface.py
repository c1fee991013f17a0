"""Blob managers: upload a file to a shared store, download it on another host.

A blob manager is named by the class path and the settings of a ``blob``
section (``blob_manager_class``, ``blob_manager_config``), as in a project's
``project.yaml`` or ``aiflow_client.yaml``. :class:`BlobManagerFactory` loads
the class, a built-in one (:mod:`aiflow.blob_manager.impl`, over fsspec) or a
user's own subclass of :class:`BlobManager`, and builds it with the settings.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from aiflow.errors import ConfigError


class BlobManager(ABC):
    """Uploads files to a store and downloads them back; built from its ``blob_manager_config`` mapping."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.root_dir: str | None = config.get("root_directory")

    @abstractmethod
    def upload(self, local_file_path: str) -> str:
        """Store the file at ``local_file_path`` under its name; return the URI it is stored at."""

    @abstractmethod
    def download(self, remote_file_path: str, local_dir: str | None = None) -> str:
        """Copy the stored file ``remote_file_path`` (its URI or its name) into ``local_dir``; return the copy's path.

        Without ``local_dir`` the file goes into the current folder.
        """


class BlobConfig:
    """A ``blob`` section: the blob manager's class path and its settings."""

    def __init__(self, config: Mapping[str, Any] | None) -> None:
        if not isinstance(config, Mapping) or not config.get("blob_manager_class"):
            raise ConfigError("no blob manager configured: the 'blob' section needs a 'blob_manager_class' "
                              "(and its 'blob_manager_config')")
        self.config = dict(config)

    def blob_manager_class(self) -> str:
        """The fully qualified name of the blob manager's class."""
        return str(self.config["blob_manager_class"])

    def blob_manager_config(self) -> dict[str, Any]:
        """The settings the class is built with."""
        return dict(self.config.get("blob_manager_config") or {})


class BlobManagerFactory:
    """Builds blob managers from class paths."""

    @classmethod
    def create_blob_manager(cls, class_name: str, config: dict[str, Any] | None) -> BlobManager:
        """Return an instance of the :class:`BlobManager` subclass named ``class_name`` built with ``config``.

        Raises:
            ConfigError: the class cannot be imported, is no blob manager, or refuses ``config``.
        """
        return blob_manager_class(class_name)(dict(config or {}))


def blob_manager_class(class_name: str) -> type[BlobManager]:
    """Import the :class:`BlobManager` subclass named ``class_name`` (``package.module.Class``).

    Raises:
        ConfigError: not a class path, no such class, or not a subclass of :class:`BlobManager`.
    """
    module_name, _, name = class_name.rpartition(".")
    if not module_name:
        raise ConfigError(f"blob_manager_class {class_name!r} is not a class path (package.module.Class)")
    try:
        found = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"blob_manager_class {class_name!r} cannot be imported: {exc}") from None
    if not (isinstance(found, type) and issubclass(found, BlobManager)):
        raise ConfigError(f"blob_manager_class {class_name!r} is not a subclass of "
                          "ai_flow.plugin_interface.blob_manager_interface.BlobManager")
    return found
