"""No try is left behind: a worker lost in any phase fails (or retries) it, and a cut-off worker ends it.

The whole stack runs with the shortest heartbeat settings (a beat a second, lost after two).
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from aiflow import ops
from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus, WorkflowStatus
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import SLEEP_SECONDS, WorkerProcess, sleeping_processes
from tests.support import process_running, task_statuses, wait_for_execution, wait_until

KEYS = TaskKeys()


@pytest.fixture
def stack_config(stack_config: ServerConfig, monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    monkeypatch.setenv("AIFLOW_TASK_HEARTBEAT_TIMEOUT", "2")
    return load_server_config()


@pytest.fixture
def services(api_server: str, scheduler: None) -> None:
    """The API server and the scheduler; each test starts its worker, with the environment it needs."""


def reports(bus: NotificationClient, task_name: str, try_number: int) -> list[tuple[str, str, bool]]:
    """(status, sender, lost) of each status report of the task's try, in log order."""
    found = []
    for event in bus.list_events(key=task_status_event_key(task_name)):
        context = json.loads(event.context or "{}")
        if context["try_number"] == try_number:
            found.append((event.value or "", event.sender or "", bool(context.get("lost"))))
    return found


def only_task(execution_id: int) -> ops.TaskExecutionMeta:
    return (ops.list_task_executions(execution_id) or [])[0]


def claimed_by(bus: NotificationClient, task_execution_id: int, try_number: int) -> int:
    """The pid of the worker process holding the try's claim (``run <host>:<pid> <token>``)."""
    claim = bus.redis.get(KEYS.claim(task_execution_id, try_number))
    assert claim is not None and claim.startswith(b"run "), claim
    return int(claim.split()[1].rsplit(b":", 1)[1])


QUICK = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="quick") as workflow:
    BashOperator(name="work", bash_command="echo done", retries={retries})
'''


@pytest.mark.parametrize("retries", [0, 1])
def test_a_worker_killed_between_claim_and_start_fails_the_try_or_retries_it(
    services: None, bus: NotificationClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, retries: int
) -> None:
    monkeypatch.setenv("AIFLOW_WORKER_CRASH_AT", "CLAIMED:1")  # the first try's worker process dies there
    with WorkerProcess(tmp_path / "worker.log") as lost:
        ops.upload_workflows(write_workflow(tmp_path, QUICK.format(retries=retries)))
        execution_id = ops.start_workflow_execution("quick")
        wait_until(lambda: not lost.alive(), timeout=30, message="the worker to die with the claimed try")
    with WorkerProcess(tmp_path / "restarted.log"):  # as the host's supervisor would start it again
        execution = wait_for_execution(execution_id, timeout=30)
        task = only_task(execution_id)

    assert not process_running(claimed_by(bus, task.id, 1))  # it was claimed, by the process that died
    assert reports(bus, "work", 1) == [("FAILED", "aiflow.scheduler", True)]  # it never ran
    if retries:
        assert (execution.status, task.status, task.try_number) == (WorkflowStatus.SUCCESS, TaskStatus.SUCCESS, 2)
        assert reports(bus, "work", 2) == [("RUNNING", "aiflow.worker", False), ("SUCCESS", "aiflow.worker", False)]
    else:
        assert (execution.status, task.status, task.try_number) == (WorkflowStatus.FAILED, TaskStatus.FAILED, 1)
        assert "no heartbeat" in (task.error or "")


LONG = f'''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="long") as workflow:
    BashOperator(name="sleeper", bash_command="sleep {SLEEP_SECONDS}", retries=1)
'''


def test_a_worker_killed_while_stopping_fails_the_try_as_lost(
    services: None, bus: NotificationClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIFLOW_WORKER_CRASH_AT", "STOPPING")  # dies as the stop reaches the try's supervisor
    with WorkerProcess(tmp_path / "worker.log"):
        ops.upload_workflows(write_workflow(tmp_path, LONG))
        execution_id = ops.start_workflow_execution("long")
        wait_until(lambda: task_statuses(execution_id) == {"sleeper": TaskStatus.RUNNING}, timeout=30)

        ops.stop_task_execution(execution_id, "sleeper")

        assert wait_for_execution(execution_id, timeout=30).status == WorkflowStatus.FAILED
        task = only_task(execution_id)
        wait_until(lambda: not sleeping_processes(), message="the task's sleep to end with its worker process")
    assert (task.status, task.try_number) == (TaskStatus.FAILED, 1)  # no retry of a try being stopped
    assert "while STOPPING" in (task.error or "")
    assert reports(bus, "sleeper", 1) == [("RUNNING", "aiflow.worker", False), ("FAILED", "aiflow.scheduler", True)]


CUT_OFF = '''
import os
import time

from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def first_try_hangs():
    marker = "{marker}"
    with open(marker, "a") as runs:
        runs.write("run\\n")
    if os.path.getsize(marker) == 4:
        while True:  # until the try is stopped
            time.sleep(0.05)


with Workflow(name="cut_off") as workflow:
    PythonOperator(name="slow", python_callable=first_try_hangs, retries=1)
'''


def test_a_worker_cut_off_past_the_heartbeat_timeout_ends_its_lost_try_when_back(
    services: None, bus: NotificationClient, tmp_path: Path, shared: Path
) -> None:
    marker = shared / "runs.txt"
    with WorkerProcess(tmp_path / "worker.log"):
        ops.upload_workflows(write_workflow(tmp_path, CUT_OFF.format(marker=marker)))
        execution_id = ops.start_workflow_execution("cut_off")
        wait_until(lambda: task_statuses(execution_id) == {"slow": TaskStatus.RUNNING}, timeout=30)
        task_execution_id = only_task(execution_id).id
        pid = claimed_by(bus, task_execution_id, 1)

        with paused(pid):  # cut off: no beats, no reports, deaf to stops
            wait_until(lambda: bus.redis.exists(KEYS.stop(task_execution_id, 1)), timeout=20,
                       message="the lost try to get a stop")
            with WorkerProcess(tmp_path / "other.log"):  # another worker takes the retry
                assert wait_for_execution(execution_id, timeout=30).status == WorkflowStatus.SUCCESS

        wait_until(lambda: ("STOPPED", "aiflow.worker", False) in reports(bus, "slow", 1), timeout=10,
                   message="the cut-off worker to end its lost try")
    assert reports(bus, "slow", 1) == [("RUNNING", "aiflow.worker", False), ("FAILED", "aiflow.scheduler", True),
                                       ("STOPPED", "aiflow.worker", False)]
    assert reports(bus, "slow", 2) == [("RUNNING", "aiflow.worker", False), ("SUCCESS", "aiflow.worker", False)]
    assert marker.read_text() == "run\nrun\n"  # the retry ran once
    assert only_task(execution_id).try_number == 2


MANY = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="many") as workflow:
    for number in range(40):
        BashOperator(name=f"t{{number}}", bash_command="true")
'''


def test_many_short_tasks_all_succeed_while_the_heartbeat_watch_runs(
    services: None, bus: NotificationClient, tmp_path: Path
) -> None:
    with WorkerProcess(tmp_path / "worker.log"):
        ops.upload_workflows(write_workflow(tmp_path, MANY.format()))
        execution_ids = [ops.start_workflow_execution("many") for _ in range(2)]

        finished = [wait_for_execution(execution_id, timeout=120) for execution_id in execution_ids]

    assert [execution.status for execution in finished] == [WorkflowStatus.SUCCESS] * 2
    tasks = [task for execution_id in execution_ids for task in ops.list_task_executions(execution_id) or []]
    assert sorted({(task.status, task.try_number) for task in tasks}) == [(TaskStatus.SUCCESS, 1)]
    assert len(tasks) == 80


@contextmanager
def paused(pid: int) -> Iterator[None]:
    """SIGSTOP the process for the ``with`` block, then SIGCONT it (also when the block fails)."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
