"""``notification_server.yaml``: the event bus's Redis server and its clients' defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiflow.config.loader import load_config, option

CONFIG_FILE = "notification_server.yaml"
ENV_PREFIX = "NOTIFICATION_"
PASSWORD_FILE = "redis.password"


@dataclass(frozen=True)
class NotificationConfig:
    """The keys of ``notification_server.yaml``; ``NOTIFICATION_<KEY>`` variables override them."""

    server_port: int = option(50052, "Port the embedded Redis server listens on.")
    bind_address: str = option("127.0.0.1", "Address the embedded Redis server binds to.")
    server_uri: str = option(
        "redis://127.0.0.1:50052/0",
        "Redis URL clients use to reach the bus (host:port is accepted too). Without a password "
        "in the URL, the embedded server's password file is used when present.",
    )
    history_retention: timedelta = option(timedelta(days=30), "Events older than this are trimmed.")
    max_event_value_bytes: int = option(1024 * 1024, "Largest event value accepted, in bytes.")
    appendfsync: str = option("everysec", "Redis AOF fsync policy: always, everysec or no.")
    redis_binary: str | None = option(
        None, "Path of the redis-server (or valkey-server) binary; found automatically when empty."
    )
    wait_for_server_started_timeout: float = option(
        5.0, "Seconds to wait for the server to answer after it is started."
    )


def notification_home() -> Path:
    """Return ``$NOTIFICATION_HOME``, by default ``~/notification_service``."""
    return Path(os.environ.get("NOTIFICATION_HOME") or "~/notification_service").expanduser()


def load_notification_config() -> NotificationConfig:
    """Read ``notification_server.yaml`` from the home directory, with environment overrides."""
    home = notification_home()
    return load_config(NotificationConfig, home / CONFIG_FILE, ENV_PREFIX, {"NOTIFICATION_HOME": str(home)})
