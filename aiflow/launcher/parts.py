"""The processes of an AIFlow machine, as :class:`~aiflow.launcher.supervisor.Part` s.

Each part runs one of the product's own commands (``python -m aiflow ...``),
so a supervised part behaves exactly like the command a user runs by hand.
"""

from __future__ import annotations

import sys

import redis
import requests

from aiflow.config import ServerConfig
from aiflow.launcher.supervisor import Part, log_says
from notification.connection import connect, describe_url
from notification.embedded import EmbeddedServer
from notification.keys import EventKeys
from notification.store_layout import init_store


def command(*args: str) -> list[str]:
    """The argv that runs ``aiflow ARGS`` with this interpreter."""
    return [sys.executable, "-P", "-m", "aiflow", *args]  # -P: a folder in the cwd never shadows a package


def api_host(config: ServerConfig) -> str:
    """The address this machine reaches the API server on (loopback when it binds to every address)."""
    return {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(config.rest_bind_address,
                                                                       config.rest_bind_address)


def api_url(config: ServerConfig) -> str:
    """The URL the API server answers on, from this machine."""
    host = api_host(config)
    return f"http://[{host}]:{config.rest_port}" if ":" in host else f"http://{host}:{config.rest_port}"


def api_answers(config: ServerConfig) -> bool:
    """Return whether the API server answers its health check."""
    try:
        return requests.get(f"{api_url(config)}/api/v1/health", timeout=1).ok
    except requests.RequestException:
        return False


def api_part(config: ServerConfig, workers: int = 2) -> Part:
    """The API server (gunicorn, ``workers`` processes): the web UI at its root, the REST API under /api/v1."""
    return Part("api", command("webserver", "start", f"--workers={workers}"),
                address=f"{api_url(config)}/  (web UI; REST API under /api/v1)",
                ready=lambda _log: api_answers(config))


def scheduler_part() -> Part:
    """The scheduler; ready once it leads and has recovered, or stands by for a leader elsewhere."""
    return Part("scheduler", command("scheduler"),
                ready=log_says("Scheduler: resuming after offset", "Scheduler: standing by"))


def worker_part(config: ServerConfig) -> Part:
    """One Celery worker taking the default queue, as wide as ``local_executor_parallelism``."""
    return Part("worker", command("worker", f"--concurrency={config.local_executor_parallelism}"),
                address=f"Celery worker, {config.local_executor_parallelism} tasks at once",
                ready=log_says(" ready."))


def notification_part(server: EmbeddedServer) -> Part:
    """The embedded Redis, run by the supervisor itself; ready once it answers and its event store is prepared.

    The store is prepared again after each restart (a Redis that lost its data gets its stream back).
    """
    def prepared(_output: str) -> bool:
        try:
            with connect(server.url, retries=0, socket_connect_timeout=0.5) as client:
                init_store(client, EventKeys())
            return True
        except (redis.ConnectionError, redis.TimeoutError):
            return False

    return Part("notification", server.foreground_command(), address=describe_url(server.url), ready=prepared)
