"""``aiflow standalone``: everything on this machine, from a fresh home, until Ctrl-C."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from aiflow.cli.base import CommandError
from aiflow.cli.server import check_api_port_free, print_parts, server_pid_file
from aiflow.config import load_server_config
from aiflow.file_modes import keep_files_private
from aiflow.launcher.foreground import log_to_stderr, refuse_second_start, run_parts
from aiflow.launcher.parts import api_part, api_url, notification_part, scheduler_part, worker_part
from notification.cli.server import embedded_server

STANDALONE_API_WORKERS = 1
"""One machine's first run and tests: one API server process (16 requests at once) is plenty."""


@click.command()
def standalone() -> None:
    """Run the notification server, scheduler, a worker and the API server here until Ctrl-C.

    Missing configuration files are written first (with an admin token) and
    the metadata database is created or upgraded. A process that exits is
    restarted alone, after a delay that grows while it keeps failing.
    """
    keep_files_private()
    refuse_second_start("AIFlow", server_pid_file())
    token = _first_run(api_url(load_server_config()))
    config = load_server_config()
    check_api_port_free(config)
    embedded = embedded_server()
    log_to_stderr()
    parts = [notification_part(embedded), scheduler_part(), worker_part(config),
             api_part(config, workers=STANDALONE_API_WORKERS)]
    env = {  # the parts use the embedded server and this API server, whatever the files say
        "AIFLOW_NOTIFICATION_SERVER_URI": f"redis://{embedded.bind_address}:{embedded.port}/0",
        "AIFLOW_API_SERVER_ADDRESS": api_url(config),
    }

    def ready() -> None:
        click.echo("AIFlow is running; press Ctrl-C to stop.")
        print_parts(parts, Path(config.log_dir))
        click.echo(f"  admin token   {token}" if token else "  no token: the API server is open on loopback")

    run_parts("AIFlow", parts, server_pid_file(), Path(config.log_dir), env, ready)


def _first_run(api_address: str) -> str | None:
    """Write the missing configuration files and create or upgrade the database; return the client's token.

    It runs in a child (:mod:`aiflow.launcher.first_run`), so that this process, which supervises the
    others for as long as they run, never holds the database and migration libraries.
    """
    done = subprocess.run([sys.executable, "-P", "-m", "aiflow.launcher.first_run", api_address],
                          capture_output=True, text=True)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise CommandError(f"first run failed: {lines[-1] if lines else f'exit code {done.returncode}'}")
    return done.stdout.strip() or None
