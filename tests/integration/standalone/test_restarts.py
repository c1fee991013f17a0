"""``aiflow standalone`` keeps running when one of its processes is killed: that one is restarted alone."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from aiflow import ops
from aiflow.cli.server import server_pid_file
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.standalone.conftest import StandaloneProcess
from tests.support import port_is_open, task_statuses, wait_for_execution, wait_until

QUICKSTART = Path(__file__).resolve().parents[3] / "samples" / "quickstart" / "quickstart.py"


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[StandaloneProcess]:
    """``aiflow standalone`` with a short scheduler lease, so a restarted scheduler leads soon."""
    with StandaloneProcess(tmp_path, {"AIFLOW_SCHEDULER_LEASE_PERIOD": "3"}) as process:
        yield process


def wait_for_second_start(standalone: StandaloneProcess, part: str) -> int:
    """Wait until ``part`` is ready for the second time; return the pid it then has."""
    def successor_ready() -> int | None:
        ready = re.findall(rf"{part}: ready \(pid (\d+)\)", standalone.output.read_text())
        return int(ready[-1]) if len(ready) == 2 else None

    return wait_until(successor_ready, timeout=60, interval=0.1, message=f"{part} to be restarted")


def kill_and_wait_for_restart(standalone: StandaloneProcess, part: str) -> None:
    """SIGKILL ``part``, wait until its successor is ready, and check that no other part changed."""
    before = standalone.part_pids()
    os.kill(before[part], signal.SIGKILL)

    successor = wait_for_second_start(standalone, part)
    after = standalone.part_pids()
    assert after[part] == successor != before[part]
    assert {name: pid for name, pid in after.items() if name != part} == {
        name: pid for name, pid in before.items() if name != part}
    why = f"{part} (pid {before[part]}) exited (killed by SIGKILL); restarting it in 1s; its last log line: "
    assert why in standalone.output.read_text()


def run_quickstart() -> None:
    ops.upload_workflows(str(QUICKSTART))
    execution_id = ops.start_workflow_execution("quickstart_workflow")
    assert wait_for_execution(execution_id, timeout=90).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {f"task{i}": TaskStatus.SUCCESS for i in range(1, 5)}


def stop_and_expect_nothing_left(standalone: StandaloneProcess, processes: list[psutil.Process]) -> None:
    processes = [*processes, *standalone.processes()]
    assert standalone.interrupt() == 0
    assert psutil.wait_procs(processes, timeout=10)[1] == []
    assert not port_is_open(standalone.api_port) and not port_is_open(standalone.redis_port)


@pytest.mark.parametrize("part", ["scheduler", "worker"])
def test_a_killed_part_is_restarted_alone_and_workflows_still_run(standalone: StandaloneProcess, part: str) -> None:
    processes = standalone.processes()

    kill_and_wait_for_restart(standalone, part)

    assert server_pid_file().running_pid() == standalone.popen.pid
    run_quickstart()
    stop_and_expect_nothing_left(standalone, processes)


def test_a_killed_redis_is_restarted_alone_and_workflows_still_run(standalone: StandaloneProcess) -> None:
    processes = standalone.processes()

    kill_and_wait_for_restart(standalone, "notification")  # the part is the Redis server itself

    assert ": stopping" not in standalone.output.read_text()  # the launcher stopped nothing to restart Redis
    run_quickstart()
    stop_and_expect_nothing_left(standalone, processes)
