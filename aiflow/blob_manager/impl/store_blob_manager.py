"""A blob manager over a blob store: the settings of each built-in manager name a store location.

Files are stored flat below the location, under their own names, so a file
uploaded on one host is downloaded by name (or by the URI the upload returned)
on another.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aiflow.blob_store import StoreLocation, valid_key
from aiflow.errors import ConfigError, InvalidInputError
from aiflow.plugin_interface.blob_manager_interface import BlobManager


class StoreBlobManager(BlobManager):
    """Uploads and downloads files of the store that :meth:`location` derives from the settings."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.store = self.location(config).open()

    @classmethod
    @abstractmethod
    def location(cls, config: Mapping[str, Any]) -> StoreLocation:
        """Return where the settings ``config`` keep files.

        Raises:
            ConfigError: a required setting is missing.
        """

    def upload(self, local_file_path: str) -> str:
        path = Path(local_file_path)
        if not path.is_file():
            raise InvalidInputError(f"cannot upload {local_file_path!r}: not a file")
        return self.store.put(_checked_name(path.name), path.read_bytes())

    def download(self, remote_file_path: str, local_dir: str | None = None) -> str:
        key = _checked_name(self.store.key_of(remote_file_path) or remote_file_path)
        target = Path(local_dir or ".") / key
        data = self.store.get(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return str(target)


def required(config: Mapping[str, Any], manager: str, name: str) -> str:
    """Return the setting ``name`` of ``config`` as text.

    Raises:
        ConfigError: it is missing or empty (the message names ``manager`` and the setting).
    """
    value = config.get(name)
    if value in (None, ""):
        raise ConfigError(f"{manager}: blob_manager_config needs {name!r}")
    return str(value)


def optional(config: Mapping[str, Any], **names: str) -> dict[str, Any]:
    """Return ``{option: config[setting]}`` for each ``option=setting`` whose setting is given."""
    return {option: config[setting] for option, setting in names.items() if config.get(setting) not in (None, "")}


def _checked_name(name: str) -> str:
    if not valid_key(name):
        raise InvalidInputError(f"invalid blob name {name!r}: use letters, digits, '_', '.', '-' and '/'")
    return name
