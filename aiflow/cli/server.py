"""``aiflow server`` (API server, scheduler and a worker) and ``aiflow webserver`` (the API server alone)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import click
import redis

from aiflow.cli.base import AIFlowGroup
from aiflow.config import ServerConfig, aiflow_home, load_server_config
from aiflow.errors import ConflictError, TransientError
from aiflow.file_modes import keep_files_private
from aiflow.launcher.daemon import start_in_background, stop_by_pid_file
from aiflow.launcher.foreground import log_to_stderr, refuse_second_start, run_parts
from aiflow.launcher.host import PidFile, port_in_use
from aiflow.launcher.parts import api_answers, api_host, api_part, api_url, command, scheduler_part, worker_part
from aiflow.launcher.supervisor import Part
from aiflow.multiprocess_metrics import api_server_folder, use_private_folder
from aiflow.settings import AIFLOW_PID_FILENAME, AIFLOW_WEBSERVER_PID_FILENAME
from notification.config import PASSWORD_FILE, notification_home
from notification.connection import connect, describe_url

#: Seconds ``start -d`` waits for the processes to serve.
START_TIMEOUT_S = 90.0
#: Seconds ``stop`` waits for the processes to end (running tasks are stopped first).
STOP_TIMEOUT_S = 120.0

daemon_option = click.option("-d", "--daemon", is_flag=True, help="Run in the background instead of the foreground.")


def server_pid_file() -> PidFile:
    """The pid file of ``aiflow server start`` and ``aiflow standalone`` (one per home)."""
    return PidFile(aiflow_home() / AIFLOW_PID_FILENAME)


def webserver_pid_file() -> PidFile:
    return PidFile(aiflow_home() / AIFLOW_WEBSERVER_PID_FILENAME)


def check_api_port_free(config: ServerConfig) -> None:
    """Raise ConflictError when something already listens on the API server's port."""
    if port_in_use(api_host(config), config.rest_port):
        raise ConflictError(f"port {config.rest_port} is already in use; stop what listens there or change rest_port")


def print_parts(parts: Sequence[Part], log_dir: Path) -> None:
    """Print where each part serves and where the logs are."""
    width = max(len(part.name) for part in parts) + 2
    for part in parts:
        click.echo(f"  {part.name:<{width}}{part.address or 'running'}")
    click.echo(f"  {'logs':<{width}}{log_dir}")


def start_daemon(what: str, args: Sequence[str], config: ServerConfig, log_name: str) -> None:
    """Run ``aiflow ARGS`` in the background and return once the API server answers."""
    log_file = Path(config.log_dir) / log_name
    try:
        pid = start_in_background(command(*args), log_file, lambda: api_answers(config), START_TIMEOUT_S)
    except TransientError as exc:
        raise TransientError(f"{what} did not start: {exc}") from exc
    click.echo(f"{what} is running in the background (pid {pid}); web UI and API at {api_url(config)}/; "
               f"log {log_file}")


def stop_daemon(what: str, pid_file: PidFile) -> None:
    pid = stop_by_pid_file(pid_file, STOP_TIMEOUT_S)
    click.echo(f"{what} is not running." if pid is None else f"{what} (pid {pid}) stopped.")


@click.group("server", cls=AIFlowGroup)
def server() -> None:
    """Run the AIFlow server on this machine: API server, scheduler and a worker."""


@server.command("start")
@daemon_option
def server_start(daemon: bool) -> None:
    """Start the AIFlow server (the notification server must be running).

    A process that exits is restarted alone, after a delay that grows while it keeps failing.
    """
    keep_files_private()
    config = load_server_config()
    refuse_second_start("AIFlow server", server_pid_file())
    check_api_port_free(config)
    require_event_bus(config)
    if daemon:
        start_daemon("AIFlow server", ["server", "start"], config, "aiflow_server.log")
        return
    log_to_stderr()
    parts = [scheduler_part(), worker_part(config), api_part(config)]

    def ready() -> None:
        click.echo("AIFlow server is running; press Ctrl-C to stop.")
        print_parts(parts, Path(config.log_dir))

    run_parts("AIFlow server", parts, server_pid_file(), Path(config.log_dir), on_ready=ready)


@server.command("stop")
def server_stop() -> None:
    """Stop the AIFlow server and wait until its processes are gone."""
    stop_daemon("AIFlow server", server_pid_file())


@click.group("webserver", cls=AIFlowGroup)
def webserver() -> None:
    """Run the REST API server alone (for hosts that only serve the API)."""


@webserver.command("start")
@daemon_option
@click.option("-w", "--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Server processes, each serving 16 requests at once.")
def webserver_start(daemon: bool, workers: int) -> None:
    """Start the REST API server (gunicorn) on rest_bind_address:rest_port."""
    keep_files_private()
    config = load_server_config()
    pid_file = webserver_pid_file()
    refuse_second_start("AIFlow webserver", pid_file)
    check_api_port_free(config)
    if daemon:
        start_daemon("AIFlow webserver", ["webserver", "start", f"--workers={workers}"], config,
                     "aiflow_webserver.log")
        return
    pid_file.write(os.getpid())
    try:
        use_private_folder(api_server_folder())  # before the web app loads prometheus_client
        from web import serve  # the web app is needed only here

        serve.run(config, workers)
    finally:
        pid_file.remove(os.getpid())


@webserver.command("stop")
def webserver_stop() -> None:
    """Stop the REST API server and wait until it is gone."""
    stop_daemon("AIFlow webserver", webserver_pid_file())


def require_event_bus(config: ServerConfig) -> None:
    """Raise TransientError unless the notification server answers."""
    try:
        with connect(config.notification_server_uri, notification_home() / PASSWORD_FILE, retries=0,
                     socket_connect_timeout=1) as client:
            client.ping()
    except redis.RedisError as exc:
        raise TransientError(
            f"the notification server at {describe_url(config.notification_server_uri)} does not answer "
            f"({exc}); start it first with 'notification server start -d'") from exc
