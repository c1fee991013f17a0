"""The ``aiflow`` command: the root group and its sub-commands."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup, verbose_option
from aiflow.cli.config_commands import ConfigFile, make_config_group
from aiflow.cli.db import db
from aiflow.cli.namespace import namespace
from aiflow.cli.rejected_event import rejected_event
from aiflow.cli.scheduler import scheduler
from aiflow.cli.server import server, webserver
from aiflow.cli.standalone import standalone
from aiflow.cli.task_execution import task_execution
from aiflow.cli.token import token
from aiflow.cli.workflow import workflow
from aiflow.cli.workflow_execution import workflow_execution
from aiflow.cli.workflow_schedule import workflow_schedule
from aiflow.cli.workflow_trigger import workflow_trigger
from aiflow.config import (
    CLIENT_CONFIG_FILE,
    SERVER_CONFIG_FILE,
    ClientConfig,
    ServerConfig,
    aiflow_home,
    load_client_config,
    load_server_config,
)
from aiflow.version import get_version
from workers.cli import worker


@click.group(cls=AIFlowGroup)
@verbose_option
def cli() -> None:
    """AIFlow: an event-based workflow orchestrator."""


@cli.command()
def version() -> None:
    """Show the version."""
    click.echo(get_version())


cli.add_command(
    make_config_group(
        [
            ConfigFile(lambda: aiflow_home() / SERVER_CONFIG_FILE, ServerConfig, load_server_config),
            ConfigFile(lambda: aiflow_home() / CLIENT_CONFIG_FILE, ClientConfig, load_client_config),
        ]
    )
)
cli.add_command(db)
cli.add_command(namespace)
cli.add_command(workflow)
cli.add_command(workflow_execution)
cli.add_command(task_execution)
cli.add_command(workflow_schedule)
cli.add_command(workflow_trigger)
cli.add_command(rejected_event)
cli.add_command(token)
cli.add_command(scheduler)
cli.add_command(server)
cli.add_command(webserver)
cli.add_command(standalone)
cli.add_command(worker)
