"""``notification server start | stop``: the embedded Redis server."""

from __future__ import annotations

import signal

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.file_modes import keep_files_private
from notification.config import load_notification_config, notification_home
from notification.connection import describe_url
from notification.embedded import EmbeddedServer


def embedded_server() -> EmbeddedServer:
    """Return the embedded server described by ``notification_server.yaml``."""
    config = load_notification_config()
    return EmbeddedServer(
        home=notification_home(),
        port=config.server_port,
        bind_address=config.bind_address,
        appendfsync=config.appendfsync,
        binary=config.redis_binary,
    )


@click.group("server", cls=AIFlowGroup)
def server() -> None:
    """Run the notification server (an embedded Redis)."""


@server.command()
@click.option("-d", "--daemon", is_flag=True, help="Run in the background instead of the foreground.")
def start(daemon: bool) -> None:
    """Start the notification server."""
    keep_files_private()
    embedded = embedded_server()
    process = embedded.start(daemon, load_notification_config().wait_for_server_started_timeout)
    click.echo(f"Notification server listening on {describe_url(embedded.url)}")
    if process is None:
        click.echo(f"Running in the background; pid file {embedded.pid_file}, logs in {embedded.home / 'logs'}")
        return
    click.echo("Press Ctrl-C to stop.")
    signal.signal(signal.SIGTERM, lambda _signum, _frame: process.terminate())
    try:
        process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
    click.echo("Notification server stopped.")


@server.command()
def stop() -> None:
    """Stop the notification server and wait until it has exited."""
    pid = embedded_server().stop()
    click.echo("Notification server is not running." if pid is None else f"Notification server (pid {pid}) stopped.")
