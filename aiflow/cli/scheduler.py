"""``aiflow scheduler``: run the scheduler (or a hot standby) in the foreground."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from aiflow.config import load_server_config
from aiflow.scheduler.main import run_scheduler


@click.command("scheduler")
def scheduler() -> None:
    """Run the scheduler until SIGINT or SIGTERM; a second one waits as a hot standby."""
    config = load_server_config()
    level = min(logging.getLogger().level, logging.INFO)  # --verbose keeps DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger(__name__).info("Scheduler: %s received; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    run_scheduler(config, stop)
