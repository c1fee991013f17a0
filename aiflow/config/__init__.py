"""AIFlow's configuration: the home directory and the files kept in it."""

from __future__ import annotations

from pathlib import Path

from aiflow.common.env import get_aiflow_home
from aiflow.config.client import ClientConfig
from aiflow.config.loader import load_config
from aiflow.config.server import ServerConfig

SERVER_CONFIG_FILE = "aiflow_server.yaml"
CLIENT_CONFIG_FILE = "aiflow_client.yaml"
ENV_PREFIX = "AIFLOW_"


def aiflow_home() -> Path:
    """Return ``$AIFLOW_HOME``, by default ``~/aiflow``, with variables and ``~`` expanded."""
    return Path(get_aiflow_home())


def placeholders() -> dict[str, str]:
    """Return the names that ``{NAME}`` in AIFlow's configuration files expand to."""
    from notification.config import notification_home

    return {"AIFLOW_HOME": str(aiflow_home()), "NOTIFICATION_HOME": str(notification_home())}


def load_server_config() -> ServerConfig:
    """Read ``aiflow_server.yaml`` from the home directory, with environment overrides."""
    return load_config(ServerConfig, aiflow_home() / SERVER_CONFIG_FILE, ENV_PREFIX, placeholders())


def load_client_config() -> ClientConfig:
    """Read ``aiflow_client.yaml`` from the home directory, with environment overrides."""
    return load_config(ClientConfig, aiflow_home() / CLIENT_CONFIG_FILE, ENV_PREFIX, placeholders())


__all__ = [
    "ClientConfig",
    "ServerConfig",
    "aiflow_home",
    "load_client_config",
    "load_server_config",
    "placeholders",
]
