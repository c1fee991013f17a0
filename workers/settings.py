"""What a worker needs to know, read once from ``aiflow_server.yaml`` into a frozen record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiflow.config import ServerConfig
from notification.config import PASSWORD_FILE, notification_home
from notification.connection import normalize_url, with_password
from notification.keys import TaskKeys

DEFAULT_QUEUE = "aiflow"
"""The queue of tasks whose operator names none."""


@dataclass(frozen=True)
class WorkerSettings:
    """The settings of one worker process, derived from :class:`ServerConfig`.

    ``redis_url`` is the event bus and the Celery broker, with the password of
    the embedded server's password file when the configured URL carries none.
    """

    redis_url: str
    api_server_address: str
    worker_token: str | None
    heartbeat_interval: float
    heartbeat_timeout: float
    log_dir: Path
    work_dir: Path
    log_retention: timedelta
    run_retention: timedelta
    concurrency: int
    keys: TaskKeys = TaskKeys()

    @classmethod
    def from_config(cls, config: ServerConfig, notification_dir: Path | None = None) -> WorkerSettings:
        """Derive the settings from ``config``; ``notification_dir`` holds the Redis password file."""
        password_file = (notification_dir or notification_home()) / PASSWORD_FILE
        return cls(
            redis_url=with_password(normalize_url(config.notification_server_uri), password_file),
            api_server_address=config.api_server_address.rstrip("/"),
            worker_token=config.worker_token or None,
            heartbeat_interval=float(config.task_heartbeat_interval),
            heartbeat_timeout=float(config.task_heartbeat_timeout),
            log_dir=Path(config.log_dir),
            work_dir=Path(config.worker_work_dir),
            log_retention=config.history_retention,
            run_retention=config.worker_run_retention,
            concurrency=config.local_executor_parallelism,
        )
