"""Task processes forked by a worker process's fork server: their folder, session, output and exit."""

from __future__ import annotations

import io
import os
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from aiflow.config import load_server_config
from aiflow.model.status import TaskStatus
from aiflow.notification.notification_client import TASK_RUNTIME_ENV, TaskRuntime
from tests.integration.workers.conftest import ENTRY, WORKFLOW, sleeping_processes
from tests.support import process_running, wait_until
from workers.runtime.confinement import decide_confinement
from workers.runtime.forkserver import ForkServer, task_python_path
from workers.runtime.try_process import TryProcess
from workers.settings import WorkerSettings

LOAD_TIMEOUT = 2.0
"""Seconds the test workflow files may take to load."""


@pytest.fixture
def server() -> Iterator[ForkServer]:
    settings = WorkerSettings.from_config(load_server_config())
    fork_server = ForkServer(os.environ, decide_confinement(settings, task_python_path(os.environ)), LOAD_TIMEOUT)
    yield fork_server
    fork_server.close()


def launch(server: ForkServer, folder: Path, task: str, package: bytes, lines: list[str],
           exist_ok: bool = False) -> TryProcess:
    """Start ``task`` of the test workflow in ``folder``, unpacked from the test package."""
    folder.mkdir(exist_ok=exist_ok)
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        archive.extractall(folder)
    runtime = TaskRuntime("http://127.0.0.1:1", "", "default", WORKFLOW, 3, task, 1, 1)
    return TryProcess.launch(server, folder / ENTRY, folder, {TASK_RUNTIME_ENV: runtime.to_json()}, lines.append)


def test_task_process_runs_in_its_folder_and_reports_its_outcome(
    server: ForkServer, tmp_path: Path, package: bytes
) -> None:
    lines: list[str] = []
    process = launch(server, tmp_path / "run", "greet", package, lines)

    assert process.finish() == 0
    assert process.outcome is not None and process.outcome.status == TaskStatus.SUCCESS
    assert "greeting world" in lines  # helpers.py and data.txt came from its folder


def test_task_process_leads_its_own_session_and_a_stop_ends_its_work(
    server: ForkServer, tmp_path: Path, package: bytes
) -> None:
    lines: list[str] = []
    process = launch(server, tmp_path / "run", "sleeper", package, lines)
    wait_until(sleeping_processes, message="the task's sleep to run")

    assert os.getsid(process.pid) == process.pid
    process.terminate()
    assert process.finish() == -signal.SIGTERM  # the process became the Bash command, which the stop ended
    assert process.started is not None and process.started.command
    assert not sleeping_processes()


def test_what_a_bash_command_leaves_running_ends_when_it_exits(
    server: ForkServer, tmp_path: Path, package: bytes
) -> None:
    lines: list[str] = []
    process = launch(server, tmp_path / "run", "leaves_a_child", package, lines)

    assert process.finish() == 0
    assert "left" in lines
    wait_until(lambda: not sleeping_processes(), timeout=5, message="the background sleep to end")


def test_task_process_killed_by_a_signal_is_reported_so_and_the_server_serves_on(
    server: ForkServer, tmp_path: Path, package: bytes
) -> None:
    lines: list[str] = []
    dying = launch(server, tmp_path / "dying", "suicide", package, lines)

    assert dying.finish() == -signal.SIGKILL
    assert dying.outcome is None
    assert launch(server, tmp_path / "next", "greet", package, lines).finish() == 0


@pytest.mark.parametrize("task", ["sleeper", "sleeper_in_bash", "looper"])
def test_task_processes_end_when_their_fork_server_dies(
    server: ForkServer, tmp_path: Path, package: bytes, task: str
) -> None:
    lines: list[str] = []
    process = launch(server, tmp_path / "run", task, package, lines)
    wait_until(sleeping_processes, message="the task's sleep to run")
    workflow_server = psutil.Process(process.pid).parent()
    fork_server = workflow_server.parent() if workflow_server else None
    assert fork_server is not None and "workers.runtime.zygote" in fork_server.cmdline()
    assert fork_server.parent().pid == os.getpid()

    fork_server.kill()

    assert process.finish() is None  # its exit can no longer be seen
    wait_until(lambda: not process_running(process.pid), timeout=5, message="the task process to end")
    wait_until(lambda: not sleeping_processes(), timeout=5, message="the sleep to end with it")


COUNTING_WORKFLOW = """
import os
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator

with open(os.path.join(os.path.dirname(__file__), "loads.txt"), "a") as loads:
    loads.write(f"{os.getpid()}\\n")
print("the workflow file ran", flush=True)
with Workflow(name="jobs") as workflow:
    BashOperator(name="echo", bash_command="echo echoed")
"""


def zipped(workflow_file: str) -> bytes:
    """A package of ``workflow_file`` alone, as :data:`ENTRY`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(ENTRY, workflow_file)
    return buffer.getvalue()


def run_echo(server: ForkServer, folder: Path, package: bytes) -> tuple[TryProcess, list[str]]:
    """Run the task ``echo`` in ``folder`` (unpacked from ``package`` unless it is there) to its end."""
    lines: list[str] = []
    process = launch(server, folder, "echo", package, lines, exist_ok=True)
    assert process.finish() == 0
    return process, lines


def test_the_workflow_file_runs_once_per_run_folder_and_every_try_logs_what_it_printed(
    server: ForkServer, tmp_path: Path
) -> None:
    runs: dict[str, list[list[str]]] = {"first": [], "second": []}
    for run, tries in [("first", 3), ("second", 1), ("first", 1)]:
        for _ in range(tries):
            process, lines = run_echo(server, tmp_path / run, zipped(COUNTING_WORKFLOW))
            assert process.started is not None and process.started.command  # it became the Bash command
            runs[run].append(lines)

    for run, logs in runs.items():
        assert len((tmp_path / run / "loads.txt").read_text().split()) == 1, run  # one execution of the file
        for lines in logs:
            assert lines[:1] == ["the workflow file ran"] and "echoed" in lines, (run, lines)


@pytest.mark.parametrize(("top_level", "error"), [
    ("raise RuntimeError('no model store')", "no model store"),
    ("import time\nwhile True:\n    time.sleep(0.01)", f"took longer than {LOAD_TIMEOUT:g} s to load"),
])
def test_a_workflow_file_that_fails_or_hangs_as_it_loads_fails_its_tries_and_no_other(
    server: ForkServer, tmp_path: Path, top_level: str, error: str
) -> None:
    broken = zipped(COUNTING_WORKFLOW.replace('print("the workflow file ran", flush=True)', top_level))
    for _ in range(2):  # the second try finds the error the workflow server kept
        process, lines = run_echo(server, tmp_path / "broken", broken)
        assert process.outcome is not None and process.outcome.status == TaskStatus.FAILED
        assert process.outcome.error is not None and "cannot load task 'echo'" in process.outcome.error
        assert error in process.outcome.error and any(error in line for line in lines)  # its traceback, logged
    bystander, lines = run_echo(server, tmp_path / "bystander", zipped(COUNTING_WORKFLOW))

    assert bystander.started is not None and bystander.started.command
    assert "echoed" in lines
    assert len((tmp_path / "broken" / "loads.txt").read_text().split()) == 1  # loaded once, not per try
