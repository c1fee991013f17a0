"""The ``notification`` command: the event bus's server, events, configuration and store."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup, verbose_option
from aiflow.cli.config_commands import ConfigFile, make_config_group
from aiflow.version import get_version
from notification.cli.db import db
from notification.cli.events import event
from notification.cli.server import server
from notification.config import CONFIG_FILE, NotificationConfig, load_notification_config, notification_home


@click.group(cls=AIFlowGroup)
@verbose_option
def cli() -> None:
    """The AIFlow notification service: an event bus on Redis Streams."""


@cli.command()
def version() -> None:
    """Show the version."""
    click.echo(get_version())


cli.add_command(server)
cli.add_command(event)
cli.add_command(db)
cli.add_command(
    make_config_group(
        [ConfigFile(lambda: notification_home() / CONFIG_FILE, NotificationConfig, load_notification_config)]
    )
)
