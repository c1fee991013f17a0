"""``aiflow standalone`` as a user runs it: one process tree on free ports in the test's homes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import psutil
import pytest

from tests.support import free_port, wait_until

#: The part each supervised command is (by the word after ``-m aiflow``).
PART_BY_COMMAND = {"scheduler": "scheduler", "worker": "worker", "webserver": "api"}


class StandaloneProcess(AbstractContextManager["StandaloneProcess"]):
    """``python -m aiflow standalone`` with its output in a file; ready once it prints its summary.

    As a context manager it stops the process on exit.
    """

    def __init__(self, folder: Path, env: dict[str, str] | None = None) -> None:
        self.api_port = free_port()
        self.redis_port = free_port()
        self.output = folder / "standalone.out"
        self.env = {**os.environ, "AIFLOW_REST_PORT": str(self.api_port),
                    "NOTIFICATION_SERVER_PORT": str(self.redis_port),
                    "AIFLOW_LOCAL_EXECUTOR_PARALLELISM": "4", **(env or {})}
        with self.output.open("wb") as output:
            self.popen = subprocess.Popen([sys.executable, "-m", "aiflow", "standalone"], env=self.env,
                                          stdout=output, stderr=subprocess.STDOUT)
        wait_until(self._ready, timeout=90, interval=0.1, message="aiflow standalone to be ready")

    def _ready(self) -> bool:
        if self.popen.poll() is not None:
            raise AssertionError(f"aiflow standalone exited: {self.output.read_text()}")
        return "AIFlow is running" in self.output.read_text()

    def processes(self) -> list[psutil.Process]:
        """The standalone process and everything it started."""
        root = psutil.Process(self.popen.pid)
        return [root, *root.children(recursive=True)]

    def part_pids(self) -> dict[str, int]:
        """The pid of each part by its name (the notification part is the Redis server itself)."""
        pids = {}
        for child in psutil.Process(self.popen.pid).children():
            argv = child.cmdline()  # python -P -m aiflow COMMAND ..., or Redis's own title
            pids["notification" if "redis-server" in argv[0] else PART_BY_COMMAND[argv[4]]] = child.pid
        return pids

    def interrupt(self, timeout: float = 60) -> int:
        """Press Ctrl-C: SIGINT the standalone process and return its exit code."""
        self.popen.send_signal(signal.SIGINT)
        return self.popen.wait(timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.interrupt()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[StandaloneProcess]:
    """A running ``aiflow standalone`` whose homes are the test's (the SDK and CLI reach it as they are)."""
    with StandaloneProcess(tmp_path) as process:
        yield process
