"""What a worker needs to know, read once from ``aiflow_server.yaml`` into a frozen record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url

from aiflow.blob_manager.package_store import package_store_location
from aiflow.blob_store import StoreLocation
from aiflow.config import ServerConfig, aiflow_home
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
    ``metrics_bind_address`` and ``metrics_port`` (0: none) are where the worker serves its metrics.
    ``package_store`` is the server's package store, which the worker reads packages from directly
    (``worker_reads_blob_store``; ``None`` when it does not): its credentials are the worker's secrets.
    ``protected_paths`` are what task processes may not see: the homes, the
    work and log folders, and the server's data kept on this host (see
    :func:`server_data`); ``task_user`` and ``task_environment_drop`` are the
    options of the same names, and ``load_timeout`` is ``workflow_load_timeout``.
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
    task_user: str | None = "nobody"
    task_environment_drop: str = ""
    protected_paths: tuple[Path, ...] = ()
    metrics_bind_address: str = "127.0.0.1"
    metrics_port: int = 0
    load_timeout: float = 30.0
    package_store: StoreLocation | None = None

    def secrets(self) -> list[str]:
        """The secrets this worker holds, which no task may see: its token, the Redis password, the store's."""
        password = urlsplit(self.redis_url).password
        found = [self.worker_token, password, unquote(password) if password else None]
        found += self.package_store.secrets() if self.package_store else []
        return sorted({secret for secret in found if secret})

    @classmethod
    def from_config(cls, config: ServerConfig, notification_dir: Path | None = None) -> WorkerSettings:
        """Derive the settings from ``config``; ``notification_dir`` holds the Redis password file."""
        notification_dir = notification_dir or notification_home()
        password_file = notification_dir / PASSWORD_FILE
        log_dir, work_dir = Path(config.log_dir), Path(config.worker_work_dir)
        return cls(
            redis_url=with_password(normalize_url(config.notification_server_uri), password_file),
            api_server_address=config.api_server_address.rstrip("/"),
            worker_token=config.worker_token or None,
            heartbeat_interval=float(config.task_heartbeat_interval),
            heartbeat_timeout=float(config.task_heartbeat_timeout),
            log_dir=log_dir,
            work_dir=work_dir,
            log_retention=config.history_retention,
            run_retention=config.worker_run_retention,
            concurrency=config.local_executor_parallelism,
            task_user=config.task_user or None,
            task_environment_drop=config.task_environment_drop,
            protected_paths=(aiflow_home(), notification_dir, work_dir, log_dir, *server_data(config)),
            metrics_bind_address=config.metrics_bind_address,
            metrics_port=config.worker_metrics_port,
            load_timeout=config.workflow_load_timeout,
            package_store=package_store_location(config) if config.worker_reads_blob_store else None,
        )


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""The files SQLite keeps next to a database, holding parts of it."""


def server_data(config: ServerConfig) -> list[Path]:
    """The server's data on this host, wherever configured: SQLite databases with their companions, a local blob store.

    Every namespace's events, executions and packages are there (by default inside ``AIFLOW_HOME``).
    """
    paths = []
    for uri in {config.metadata_backend_uri, config.state_backend_uri}:
        url = make_url(uri)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
                and not url.database.startswith("file:"):
            database = Path(url.database).expanduser()
            paths += [database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)]
    blob_store = package_store_location(config).local_path()
    paths += [blob_store] if blob_store else []
    return sorted(paths)
