"""Bash tries forked by their workflow server's command launcher: their log, confinement, stop and loss."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from aiflow.config import load_server_config
from aiflow.sandbox import landlock
from tests.integration.workers.conftest import SLEEP_SECONDS, sleeping_processes
from tests.integration.workers.test_fork_server import LOAD_TIMEOUT, launch, zipped
from tests.support import process_running, wait_until
from workers.runtime.confinement import decide_confinement
from workers.runtime.forkserver import ForkServer, task_python_path
from workers.runtime.try_process import TryProcess
from workers.settings import WorkerSettings

LAUNCHER = "workers.runtime.launcher"

WORKFLOW_FILE = f"""
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator

print("the workflow file ran", flush=True)
with Workflow(name="jobs") as workflow:
    BashOperator(name="probe", bash_command='''
        server=$(cut -d" " -f4 /proc/$PPID/stat)
        echo "parent $(tr "\\\\0" " " < /proc/$PPID/cmdline)"
        kill -0 $PPID 2>/dev/null; echo "signal parent $?"
        kill -0 $server 2>/dev/null; echo "signal server $?"
    ''')
    BashOperator(name="sleeper", bash_command="sleep {SLEEP_SECONDS}; echo woke")
"""


@pytest.fixture
def server() -> Iterator[ForkServer]:
    settings = WorkerSettings.from_config(load_server_config())
    fork_server = ForkServer(os.environ, decide_confinement(settings, task_python_path(os.environ)), LOAD_TIMEOUT)
    yield fork_server
    fork_server.close()


def run_probe(server: ForkServer, folder: Path) -> list[str]:
    """Run the probe task in ``folder`` to its end; return its log lines."""
    lines: list[str] = []
    process = launch(server, folder, "probe", zipped(WORKFLOW_FILE), lines, exist_ok=True)
    assert process.finish() == 0 and process.outcome is None  # it became its command, which exited 0
    return lines


def launched_probe(server: ForkServer, folder: Path) -> list[str]:
    """Run probes in ``folder`` until one was forked by the launcher; return its log lines."""
    found: list[list[str]] = []

    def launched() -> bool:
        lines = run_probe(server, folder)
        found.append(lines)
        return any(line.startswith("parent") and LAUNCHER in line for line in lines)

    wait_until(launched, timeout=10, message="a try forked by the launcher")
    return found[-1]


def launched_sleeper(server: ForkServer, folder: Path) -> TryProcess:
    """Start the sleeper in ``folder`` once its server's launcher serves; return its try's process."""
    launched_probe(server, folder)
    process = launch(server, folder, "sleeper", zipped(WORKFLOW_FILE), [], exist_ok=True)
    wait_until(sleeping_processes, message="the sleep to run")
    assert LAUNCHER in " ".join(psutil.Process(process.pid).parent().cmdline())
    return process


def test_the_first_try_is_forked_by_the_server_and_later_ones_by_the_launcher_logging_alike(
    server: ForkServer, tmp_path: Path
) -> None:
    first = run_probe(server, tmp_path)
    later = launched_probe(server, tmp_path)

    assert "workers.runtime.zygote" in first[1]  # the workflow server is a child of the fork server
    for lines in (first, later):
        assert lines[0] == "the workflow file ran"  # what the file printed as it loaded comes first
        assert len(lines) == 4


@pytest.mark.skipif(landlock.abi_version() < landlock.SCOPES_ABI, reason="Landlock cannot scope signals here")
def test_a_launched_try_cannot_signal_its_launcher_or_its_workflow_server(server: ForkServer, tmp_path: Path) -> None:
    lines = launched_probe(server, tmp_path)

    assert lines[2:] == ["signal parent 1", "signal server 1"]


def test_a_launched_try_and_what_its_command_started_end_when_the_fork_server_dies(
    server: ForkServer, tmp_path: Path
) -> None:
    process = launched_sleeper(server, tmp_path)
    fork_server = psutil.Process(process.pid).parent().parent().parent()
    assert "workers.runtime.zygote" in fork_server.cmdline() and fork_server.parent().pid == os.getpid()

    fork_server.kill()

    assert process.finish() is None  # its exit can no longer be seen
    wait_until(lambda: not process_running(process.pid), timeout=5, message="the try to end")
    wait_until(lambda: not sleeping_processes(), timeout=5, message="the sleep its bash started to end")


def test_the_server_forks_tries_itself_again_once_its_launcher_is_gone(server: ForkServer, tmp_path: Path) -> None:
    process = launched_sleeper(server, tmp_path)
    launcher = psutil.Process(process.pid).parent()

    launcher.send_signal(signal.SIGKILL)

    assert process.finish() is None  # the launcher's end is the end of its try's status socket
    wait_until(lambda: not sleeping_processes(), timeout=5, message="the launcher's try to end")
    lines = run_probe(server, tmp_path)
    assert LAUNCHER not in lines[1] and "workers.runtime.zygote" in lines[1]
