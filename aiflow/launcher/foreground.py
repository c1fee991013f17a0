"""Running a command's processes in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType

from aiflow.errors import ConflictError
from aiflow.launcher.host import PidFile
from aiflow.launcher.supervisor import Part, Supervisor

logger = logging.getLogger(__name__)


def log_to_stderr() -> None:
    """Send INFO and above to stderr with timestamps (``--verbose`` keeps DEBUG)."""
    level = min(logging.getLogger().level, logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)


def stop_on_signals() -> threading.Event:
    """Return an event that SIGINT or SIGTERM sets (call from the main thread)."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("%s received; stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop


def refuse_second_start(what: str, pid_file: PidFile) -> None:
    """Raise ConflictError when the process ``pid_file`` names is alive."""
    pid = pid_file.running_pid()
    if pid is not None:
        raise ConflictError(f"{what} is already running (pid {pid}); stop it first")


def run_parts(what: str, parts: Sequence[Part], pid_file: PidFile, log_dir: Path,
              env: Mapping[str, str] | None = None, on_ready: Callable[[], None] = lambda: None) -> None:
    """Supervise ``parts`` until SIGINT or SIGTERM; ``pid_file`` names this process meanwhile.

    Parts that exit are restarted; ``pid_file`` keeps naming this process across those restarts.

    Raises:
        ConflictError: ``pid_file`` names a live process.
        TransientError: a part did not start (those started are stopped).
    """
    refuse_second_start(what, pid_file)
    stop = stop_on_signals()
    pid_file.write(os.getpid())
    try:
        Supervisor(parts, log_dir, env).run(stop, on_ready)
    finally:
        pid_file.remove(os.getpid())
