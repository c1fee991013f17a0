"""Preparing fresh homes for ``aiflow standalone``: configuration files, an admin and a worker token, the database.

``python -m aiflow.launcher.first_run API_ADDRESS`` does it all and prints the token the client
file holds: the launcher runs it as a child, so that it never loads the database's libraries itself.
"""

from __future__ import annotations

import secrets
import sys

from aiflow.cli.base import describe_error, is_expected_error
from aiflow.config import (
    CLIENT_CONFIG_FILE,
    SERVER_CONFIG_FILE,
    ClientConfig,
    ServerConfig,
    aiflow_home,
    load_client_config,
    load_server_config,
)
from aiflow.config.loader import write_config_file
from aiflow.metadata import migrate
from aiflow.metadata.engine import engine_from_config
from notification.config import CONFIG_FILE as NOTIFICATION_CONFIG_FILE
from notification.config import NotificationConfig, notification_home
from web.auth import Role, hash_token

#: Names of the tokens ``aiflow standalone`` configures in ``api_tokens``.
ADMIN_TOKEN_NAME = "standalone-admin"
WORKER_TOKEN_NAME = "standalone-worker"


def write_missing_config(api_address: str) -> str | None:
    """Write the configuration files that do not exist yet.

    A new ``aiflow_server.yaml`` gets two fresh tokens, stored hashed: an admin
    token, which a new ``aiflow_client.yaml`` (pointing at ``api_address``)
    holds, and a worker token, which the worker sends as ``worker_token`` and
    which can only fetch snapshots. Return the token the client file holds
    (None: it holds none).
    """
    token, worker_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    write_config_file(notification_home() / NOTIFICATION_CONFIG_FILE, NotificationConfig)
    server_written = write_config_file(aiflow_home() / SERVER_CONFIG_FILE, ServerConfig, {
        "api_tokens": {
            ADMIN_TOKEN_NAME: {"token_sha256": hash_token(token), "role": Role.ADMIN.value},
            WORKER_TOKEN_NAME: {"token_sha256": hash_token(worker_token), "role": Role.WORKER.value},
        },
        "worker_token": worker_token,
    })
    client_values = {"server_address": api_address, "token": token if server_written else None}
    write_config_file(aiflow_home() / CLIENT_CONFIG_FILE, ClientConfig, client_values)
    return load_client_config().token


def init_database(config: ServerConfig) -> None:
    """Create or upgrade the metadata database (idempotent)."""
    engine = engine_from_config(config)
    try:
        migrate.init(engine)
    finally:
        engine.dispose()


def main(api_address: str) -> None:
    """Prepare a first run and print the client file's token (empty: none); one line on stderr if that fails."""
    try:
        token = write_missing_config(api_address)
        init_database(load_server_config())
    except Exception as exc:  # noqa: BLE001 - the launcher shows the one line; --verbose shows more
        if not is_expected_error(exc):
            raise
        sys.exit(describe_error(exc))
    print(token or "")


if __name__ == "__main__":
    main(sys.argv[1])
