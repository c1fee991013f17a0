"""Throughput and footprint of ``aiflow standalone``: Bash no-op fan-outs and a chain, idle memory and CPU.

Run: ``python bench/fanout.py [--runs 3] [--fan-out 200,2000] [--chain 40] [--idle 10]``. It starts
``aiflow standalone`` (every process a user's first run has: the embedded Redis, SQLite, the API
server, the scheduler and a worker with the default ``local_executor_parallelism`` slots) on free
ports in a temporary folder, and stops it at the end.

* Idle: after the stack has settled, the PSS of every process of its tree (``smaps_rollup``, so
  shared pages are split between the processes sharing them) and the CPU the tree uses over
  ``--idle`` seconds, as a percentage of one core.
* Fan-out: one execution of a workflow of N independent ``BashOperator(bash_command="true")`` tasks;
  chain: a workflow of Bash no-ops each ``start_after`` the one before. Wall time is what a client
  sees, from the start call until the execution is SUCCESS (the bench waits on the scheduler's
  change announcements and reads the status from the database itself, not by polling the API).
  CPU per task is the CPU time of the whole process tree in that window (children that ended
  included) divided by the number of tasks; it is also printed by process (Redis, API server,
  scheduler, worker, its fork server with the tries it forked, and the launcher).

Each measure runs ``--runs`` times; min/median/max are printed with the machine's own baseline of
the same run: the wall time of spawning ``bash -c true``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
from harness import free_port
from sqlalchemy import select

from aiflow import ops
from aiflow.config import load_server_config
from aiflow.metadata.engine import create_engine
from aiflow.metadata.executions import WorkflowExecution
from aiflow.metadata.session import session_scope
from aiflow.model.status import WorkflowStatus
from notification.cli.server import embedded_server
from notification.connection import connect
from notification.keys import EventKeys

TARGETS = {"fan-out 200": 1.0, "fan-out 2000": 8.0, "chain 40": 0.5}
"""Wall-time targets (seconds) on the reference machine (2 cores)."""
CPU_PER_TASK_TARGET_MS = 5.0
IDLE_PSS_TARGET_MIB = 300.0
IDLE_CPU_TARGET_PERCENT = 2.0

FAN_OUT = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="fan_{count}") as workflow:
    for number in range({count}):
        BashOperator(name=f"t{{number}}", bash_command="true")
'''

CHAIN = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="chain_{count}") as workflow:
    previous = None
    for number in range({count}):
        task = BashOperator(name=f"t{{number}}", bash_command="true")
        if previous is not None:
            task.start_after(previous)
        previous = task
'''


@dataclass(frozen=True)
class Run:
    """One execution: its wall time and the CPU the stack spent on it."""

    seconds: float
    cpu_by_role: dict[str, float]

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_role.values())


@contextmanager
def standalone(home: Path) -> Iterator[psutil.Process]:
    """Run ``aiflow standalone`` with its homes in ``home`` on free ports; yield its process."""
    os.environ.update({"AIFLOW_HOME": str(home / "aiflow"), "NOTIFICATION_HOME": str(home / "notification"),
                       "AIFLOW_REST_PORT": str(free_port()), "NOTIFICATION_SERVER_PORT": str(free_port())})
    output = home / "standalone.out"
    with output.open("wb") as out:
        popen = subprocess.Popen([sys.executable, "-m", "aiflow", "standalone"], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: popen.poll() is not None or "AIFlow is running" in output.read_text(), 120, "standalone")
        if popen.poll() is not None:
            raise RuntimeError(f"aiflow standalone exited:\n{output.read_text()}")
        yield psutil.Process(popen.pid)
    finally:
        popen.send_signal(signal.SIGINT)
        popen.wait(120)


def tree(root: psutil.Process) -> list[psutil.Process]:
    return [root, *root.children(recursive=True)]


ROLES = (("redis-server", "Redis"), ("workers.runtime.zygote", "fork server and tries"),
         ("workers.runtime.launcher", "fork server and tries"), ("aiflow worker", "worker"),
         ("aiflow scheduler", "scheduler"), ("aiflow webserver", "API server"))
"""How a process of the tree is named in the CPU breakdown: the first role whose mark is in its command line."""


def role(process: psutil.Process) -> str:
    command = " ".join(process.cmdline())
    return next((name for mark, name in ROLES if mark in command), "launcher")


def tree_cpu_by_role(root: psutil.Process) -> dict[str, float]:
    """CPU seconds of the tree's processes by role, with those of their children that ended (and were waited for)."""
    seconds: dict[str, float] = {}
    for process in tree(root):
        try:
            times, name = process.cpu_times(), role(process)
        except psutil.NoSuchProcess:
            continue
        seconds[name] = seconds.get(name, 0.0) + times.user + times.system + times.children_user + times.children_system
    return seconds


def tree_cpu_seconds(root: psutil.Process) -> float:
    """CPU time of the tree's processes, with that of their children that ended (and were waited for)."""
    return sum(tree_cpu_by_role(root).values())


def tree_pss_mib(root: psutil.Process) -> tuple[float, int]:
    """The PSS of the tree in MiB, and how many processes it has."""
    processes = tree(root)
    kib = 0
    for process in processes:
        for line in Path(f"/proc/{process.pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                kib += int(line.split()[1])
    return kib / 1024, len(processes)


class Finishes:
    """Waits for an execution to end: on each change the scheduler announces for it, reads its status.

    The status is read from the metadata database by this process, so waiting costs the stack nothing.
    """

    def __init__(self) -> None:
        client = connect(embedded_server().url)  # the Redis that standalone runs, with its password
        self._pubsub = client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(EventKeys().changes)
        self._pubsub.get_message(timeout=1)  # the subscription's confirmation
        self._engine = create_engine(load_server_config().metadata_backend_uri)

    def wait(self, execution_id: int, timeout: float) -> WorkflowStatus:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self._pubsub.get_message(timeout=1)
            if message and not any(changed == execution_id for changed, _ in json.loads(message["data"])["executions"]):
                continue
            with session_scope(self._engine) as session:
                status = WorkflowStatus(session.scalar(
                    select(WorkflowExecution.status).where(WorkflowExecution.id == execution_id)))
            if status.is_finished:
                return status
        raise TimeoutError(f"execution {execution_id} did not finish in {timeout:g} s")


def run_once(root: psutil.Process, finishes: Finishes, workflow: str, timeout: float) -> Run:
    cpu_before = tree_cpu_by_role(root)
    started = time.perf_counter()
    execution_id = ops.start_workflow_execution(workflow)
    status = finishes.wait(execution_id, timeout)
    seconds = time.perf_counter() - started
    if status != WorkflowStatus.SUCCESS:
        raise RuntimeError(f"{workflow} execution {execution_id} ended {status.value}")
    cpu_after = tree_cpu_by_role(root)
    return Run(seconds, {name: spent - cpu_before.get(name, 0.0) for name, spent in cpu_after.items()})


def idle(root: psutil.Process, seconds: float) -> tuple[float, int, float]:
    """(PSS MiB, processes, CPU % of a core) of the settled, idle stack."""
    pss, count = tree_pss_mib(root)
    before = tree_cpu_seconds(root)
    time.sleep(seconds)  # measuring an interval, not waiting for anything
    return pss, count, 100 * (tree_cpu_seconds(root) - before) / seconds


def bash_spawn_ms(times: int = 50) -> float:
    """The median wall time of spawning ``bash -c true``: the machine's own baseline."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        subprocess.run(["bash", "-c", "true"], check=True)
        spent.append(time.perf_counter() - started)
    return 1000 * statistics.median(spent)


def spread(values: list[float], unit: str, digits: int = 2) -> str:
    return "  ".join(f"{name} {value:.{digits}f}{unit}" for name, value in
                     (("min", min(values)), ("median", statistics.median(values)), ("max", max(values))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fan-out", default="200,2000", help="comma-separated task counts")
    parser.add_argument("--chain", type=int, default=40)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds over which idle CPU is measured")
    args = parser.parse_args()
    workloads = [(f"fan-out {count}", FAN_OUT, count) for count in map(int, args.fan_out.split(","))]
    workloads.append((f"chain {args.chain}", CHAIN, args.chain))

    with tempfile.TemporaryDirectory(prefix="aiflow-bench-fanout-") as folder, standalone(Path(folder)) as root:
        for _, source, count in workloads:
            path = Path(folder) / f"w{count}_{len(source)}.py"
            path.write_text(source.format(count=count))
            ops.upload_workflows(str(path))
        _wait(lambda: _settled(root), 60, "the stack to settle")
        idle_runs = [idle(root, args.idle / args.runs) for _ in range(args.runs)]
        finishes = Finishes()
        results = {}
        for label, source, count in workloads:
            workflow = ("fan_" if source is FAN_OUT else "chain_") + str(count)
            results[label] = (count, [run_once(root, finishes, workflow, 30 + count / 10) for _ in range(args.runs)])
        baseline = bash_spawn_ms()

    print(f"baseline: bash -c true spawns in {baseline:.2f} ms (median of 50)")
    pss = [pss for pss, _, _ in idle_runs]
    print(f"idle PSS ({idle_runs[0][1]} processes): {spread(pss, ' MiB', 0)}  (target <= {IDLE_PSS_TARGET_MIB:g})")
    print(f"idle CPU: {spread([cpu for _, _, cpu in idle_runs], ' %')} of a core  "
          f"(target <= {IDLE_CPU_TARGET_PERCENT:g})")
    for label, (count, runs) in results.items():
        print(f"{label}: wall {spread([run.seconds for run in runs], ' s')}  (target <= {TARGETS.get(label, '-')} s)")
        print(f"{' ' * len(label)}  CPU/task {spread([1000 * run.cpu_seconds / count for run in runs], ' ms')}  "
              f"(target <= {CPU_PER_TASK_TARGET_MS:g})")
        roles = sorted({name for run in runs for name in run.cpu_by_role})
        print(f"{' ' * len(label)}  CPU/task by process (median ms): " + ", ".join(
            f"{name} {statistics.median(1000 * run.cpu_by_role.get(name, 0.0) / count for run in runs):.1f}"
            for name in roles))


def _settled(root: psutil.Process) -> bool:
    """Whether the tree used under 5 % of a core over the last half second (start-up work is over)."""
    before = tree_cpu_seconds(root)
    time.sleep(0.5)  # measuring an interval
    return tree_cpu_seconds(root) - before < 0.025


def _wait(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.05)


if __name__ == "__main__":
    main()
