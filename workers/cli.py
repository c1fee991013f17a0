"""``aiflow worker``: run a Celery worker that runs AIFlow tasks on this machine."""

from __future__ import annotations

from dataclasses import replace

import click

from aiflow.cli.base import metrics_port_option
from aiflow.config import load_server_config
from aiflow.file_modes import keep_files_private
from workers.celery_app import create_app
from workers.settings import DEFAULT_QUEUE, WorkerSettings


@click.command()
@click.option("-Q", "--queues", default=DEFAULT_QUEUE, show_default=True,
              help="Comma-separated queues to take jobs from (operators choose theirs with 'queue').")
@click.option("-c", "--concurrency", type=click.IntRange(min=1), default=None,
              help="Tasks run at once  [default: local_executor_parallelism].")
@click.option("-n", "--hostname", default=None, help="Worker name (default: celery@<host>).")
@click.option("-l", "--loglevel", default="INFO", show_default=True, help="Log level of the worker.")
@metrics_port_option("worker_metrics_port")
def worker(queues: str, concurrency: int | None, hostname: str | None, loglevel: str, metrics_port: int | None) -> None:
    """Run a worker that takes AIFlow jobs from the broker until stopped."""
    keep_files_private()
    settings = WorkerSettings.from_config(load_server_config())
    if metrics_port is not None:
        settings = replace(settings, metrics_port=metrics_port)
    argv = ["worker", f"--queues={queues}", f"--concurrency={concurrency or settings.concurrency}",
            f"--loglevel={loglevel}"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    create_app(settings=settings).worker_main(argv)
