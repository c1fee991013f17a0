"""``aiflow config``: the server's and the client's configuration files."""

from __future__ import annotations

from aiflow.cli.config_commands import ConfigFile, make_config_group
from aiflow.config import (
    CLIENT_CONFIG_FILE,
    SERVER_CONFIG_FILE,
    ClientConfig,
    ServerConfig,
    aiflow_home,
    load_client_config,
    load_server_config,
)

config = make_config_group([
    ConfigFile(lambda: aiflow_home() / SERVER_CONFIG_FILE, ServerConfig, load_server_config),
    ConfigFile(lambda: aiflow_home() / CLIENT_CONFIG_FILE, ClientConfig, load_client_config),
])
