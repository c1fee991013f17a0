"""``aiflow_client.yaml``: how the CLI and the Python SDK reach the AIFlow server."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aiflow.config.loader import option

_DEFAULT_BLOB_MANAGER = {
    "blob_manager_class": "ai_flow.blob_manager.impl.local_blob_manager.LocalBlobManager",
    "blob_manager_config": {"root_directory": "{AIFLOW_HOME}/blob"},
}


@dataclass(frozen=True)
class ClientConfig:
    """The keys of ``aiflow_client.yaml``; ``AIFLOW_<KEY>`` environment variables override them."""

    server_address: str = option("http://localhost:8000", "Base URL of the AIFlow REST API server.")
    token: str | None = option(None, "Bearer token sent to the REST API server; none when the server has no tokens.")
    blob_manager: dict[str, Any] = field(
        default_factory=lambda: dict(_DEFAULT_BLOB_MANAGER),
        metadata={"description": "The spec's blob manager section (blob_manager_class, blob_manager_config); "
                  "current_project_config() gives it under 'blob' to code run outside a task."},
    )
