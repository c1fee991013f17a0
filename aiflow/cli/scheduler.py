"""``aiflow scheduler``: run the scheduler (or a hot standby) in the foreground."""

from __future__ import annotations

import click

from aiflow.cli.base import metrics_port_option
from aiflow.config import load_server_config
from aiflow.file_modes import keep_files_private
from aiflow.launcher.foreground import log_to_stderr, stop_on_signals
from aiflow.scheduler.main import run_scheduler


@click.command("scheduler")
@metrics_port_option("scheduler_metrics_port")
def scheduler(metrics_port: int | None) -> None:
    """Run the scheduler until SIGINT or SIGTERM; a second one waits as a hot standby."""
    keep_files_private()
    config = load_server_config()
    log_to_stderr()
    run_scheduler(config, stop_on_signals(), metrics_port)
