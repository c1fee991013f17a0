"""Tasks run on the worker host their queue names, and a worker host that goes down loses no task.

Each task reports where it runs: it appends ``<task> try <n> on <address>`` to ``tries.txt`` in its
host's data folder and prints the same line into its log. The address is the one its host uses to
reach the API server, which only the host's own namespace can give.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.multihost.conftest import HEARTBEAT, Deployment, claimed_by, worker_name
from tests.integration.multihost.hosts import Host
from tests.integration.stack.conftest import write_workflow
from tests.support import task_statuses, wait_for_execution, wait_until

WORKFLOWS = '''
import json
import os
import socket
import time
from urllib.parse import urlsplit

from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def data(name):
    """A file in the data folder of the host running this task."""
    return os.path.join(os.environ["MULTIHOST_DATA"], name)


def report():
    """Write and print which try of which task runs on which host."""
    runtime = json.loads(os.environ["AIFLOW_TASK_RUNTIME"])
    api = urlsplit(runtime["api_address"])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect((api.hostname, api.port))  # sends nothing: picks the address this host reaches it from
        address = probe.getsockname()[0]
    line = f"{runtime['task_name']} try {runtime['try_number']} on {address}"
    with open(data("tries.txt"), "a") as tries:
        tries.write(line + "\\n")
    print(line, flush=True)


def report_then_hold():
    """Report, then run until this host's data folder holds the file "go"."""
    report()
    while not os.path.exists(data("go")):
        time.sleep(0.05)


with Workflow(name="placed") as placed:
    on_b = PythonOperator(name="on_b", python_callable=report, queue="host-b")
    on_c = PythonOperator(name="on_c", python_callable=report, queue="host-c")
    anywhere = PythonOperator(name="anywhere", python_callable=report, queue="shared")
    on_c.start_after(on_b)  # started by the status event of a task on another host

with Workflow(name="held") as held:
    for number in range(4):
        PythonOperator(name=f"held{number}", python_callable=report_then_hold, queue="shared", retries=1)
'''

LOSS_NOTICED_S = HEARTBEAT["task_heartbeat_timeout"] + HEARTBEAT["task_executor_heartbeat_check_interval"] + 4
"""Seconds from a host's death until its tries are judged lost: the heartbeat timeout, a check, slack."""
NO_HEARTBEAT = f"no heartbeat for {HEARTBEAT['task_heartbeat_timeout']}s"


def tries(deployment: Deployment, host: str) -> list[str]:
    """The lines the tasks on ``host`` wrote, sorted."""
    path = deployment.data(deployment.network[host]) / "tries.txt"
    return sorted(path.read_text().splitlines()) if path.exists() else []


def log_of(task: ops.TaskExecutionMeta, try_number: int | None = None) -> str:
    """The log of a try (the latest by default), read through the API."""
    return "".join(ops.task_execution_log_lines(task.id, try_number))


def try_numbers(execution_id: int) -> dict[str, int]:
    """The current try of each task, read through the API."""
    return {task.task_name: task.try_number for task in ops.list_task_executions(execution_id) or []}


def line(task: str, try_number: int, host: Host) -> str:
    """What a try of ``task`` on ``host`` writes and prints."""
    return f"{task} try {try_number} on {host.address}"


@pytest.fixture
def deployment(deployment: Deployment, tmp_path: Path) -> Deployment:
    """The deployment once the workflows of :data:`WORKFLOWS` are uploaded through the API."""
    ops.upload_workflows(write_workflow(tmp_path, WORKFLOWS))
    return deployment


def first_tries_shared_out(deployment: Deployment) -> tuple[list[str], list[str]]:
    """Wait until the four first tries of ``held`` run; return the tasks on host b and those on host c.

    Each worker takes no more jobs than it has slots (two), so each host runs two of them.
    """
    wait_until(lambda: len(tries(deployment, "b") + tries(deployment, "c")) == 4, timeout=30,
               message="all four first tries to start")
    on_b, on_c = ([entry.split()[0] for entry in tries(deployment, host)] for host in ("b", "c"))
    assert len(on_b) == len(on_c) == 2, (on_b, on_c)
    return on_b, on_c


def test_each_task_runs_on_the_host_its_queue_names_and_its_log_reads_through_the_api(deployment: Deployment) -> None:
    b, c = deployment.network["b"], deployment.network["c"]

    execution_id = ops.start_workflow_execution("placed")

    assert wait_for_execution(execution_id, timeout=30).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == dict.fromkeys(("on_b", "on_c", "anywhere"), TaskStatus.SUCCESS)
    shared_host = b if claimed_by(deployment, execution_id)[("anywhere", 1)] == worker_name(b) else c
    ran_on = {"on_b": b, "on_c": c, "anywhere": shared_host}
    assert claimed_by(deployment, execution_id) == {(name, 1): worker_name(host) for name, host in ran_on.items()}
    lines = {name: line(name, 1, host) for name, host in ran_on.items()}
    for task in ops.list_task_executions(execution_id) or []:
        assert lines[task.task_name] in log_of(task), task.task_name
    for host in (b, c):
        assert tries(deployment, host.name) == sorted(lines[name] for name, on in ran_on.items() if on is host)


def test_a_worker_host_taken_down_loses_its_tries_which_run_again_on_the_other_host(deployment: Deployment) -> None:
    b, c = deployment.network["b"], deployment.network["c"]
    execution_id = ops.start_workflow_execution("held")
    on_b, on_c = first_tries_shared_out(deployment)
    by_name = {task.task_name: task for task in ops.list_task_executions(execution_id) or []}
    wait_until(lambda: set(task_statuses(execution_id).values()) == {TaskStatus.RUNNING}, timeout=10,
               message="every try to report RUNNING")
    wait_until(lambda: all(line(name, 1, c) in log_of(by_name[name]) for name in on_c), timeout=10,
               message="the tries on host c to have their first line logged")

    c.kill_everything()  # the worker, its fork server and its tries
    c.unplug()

    wait_until(lambda: {try_numbers(execution_id)[name] for name in on_c} == {2}, timeout=LOSS_NOTICED_S,
               message="the tries of host c to be judged lost and retried")
    assert {name: status for name, status in task_statuses(execution_id).items() if name in on_b} == (
        dict.fromkeys(on_b, TaskStatus.RUNNING))  # host b's tries go on untouched
    (deployment.data(b) / "go").touch()  # host b's tries end; its freed slots take the retries

    assert wait_for_execution(execution_id, timeout=30).status == WorkflowStatus.SUCCESS
    finished = {task.task_name: task for task in ops.list_task_executions(execution_id) or []}
    assert {name: (task.status, task.try_number) for name, task in finished.items()} == {
        **{name: (TaskStatus.SUCCESS, 1) for name in on_b}, **{name: (TaskStatus.SUCCESS, 2) for name in on_c}}
    assert tries(deployment, "c") == [line(name, 1, c) for name in on_c]
    assert tries(deployment, "b") == sorted([line(name, 1, b) for name in on_b] + [line(name, 2, b) for name in on_c])
    assert claimed_by(deployment, execution_id) == {
        **{(name, 1): worker_name(b) for name in on_b},
        **{(name, 1): worker_name(c) for name in on_c}, **{(name, 2): worker_name(b) for name in on_c}}
    for name in on_c:  # the lost try's log outlives its host
        assert line(name, 1, c) in log_of(finished[name], try_number=1)
        assert line(name, 2, b) in log_of(finished[name])
    scheduler = deployment.services["scheduler@a"].log()  # it was the heartbeat watch that noticed
    lost = {name for name, task in finished.items()
            if f"task execution {task.id} try 1 {NO_HEARTBEAT} while RUNNING" in scheduler}
    assert sorted(lost) == on_c
