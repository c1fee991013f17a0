"""The ``aiflow`` command: the root group and its sub-commands.

Sub-commands are imported when they run (or when help lists them), so that each long-running
process (``aiflow scheduler``, ``aiflow worker``, ``aiflow webserver start``, ``aiflow standalone``)
loads only the libraries its own work needs, and a short command starts fast.
"""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup, verbose_option
from aiflow.version import get_version

COMMANDS = {
    "config": "aiflow.cli.config_files:config",
    "db": "aiflow.cli.db:db",
    "namespace": "aiflow.cli.namespace:namespace",
    "workflow": "aiflow.cli.workflow:workflow",
    "workflow-execution": "aiflow.cli.workflow_execution:workflow_execution",
    "task-execution": "aiflow.cli.task_execution:task_execution",
    "workflow-schedule": "aiflow.cli.workflow_schedule:workflow_schedule",
    "workflow-trigger": "aiflow.cli.workflow_trigger:workflow_trigger",
    "rejected-event": "aiflow.cli.rejected_event:rejected_event",
    "token": "aiflow.cli.token:token",
    "scheduler": "aiflow.cli.scheduler:scheduler",
    "server": "aiflow.cli.server:server",
    "webserver": "aiflow.cli.server:webserver",
    "standalone": "aiflow.cli.standalone:standalone",
    "worker": "workers.cli:worker",
}
"""Each sub-command's name and where it is defined (``module:attribute``)."""


@click.group(cls=AIFlowGroup, lazy_commands=COMMANDS)
@verbose_option
def cli() -> None:
    """AIFlow: an event-based workflow orchestrator."""


@cli.command()
def version() -> None:
    """Show the version."""
    click.echo(get_version())
