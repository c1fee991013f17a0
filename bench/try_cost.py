"""What one try of a Bash no-op costs on a worker's fork server, against what a bare fork costs.

Run: ``python bench/try_cost.py [--tries 200] [--runs 3]``. It starts a worker's fork server (the
real :class:`~workers.runtime.forkserver.ForkServer`, with Landlock where the kernel has it) and
runs ``--tries`` tries of a ``BashOperator(bash_command="true")`` task one after another, as a
worker slot does; it prints the CPU time per try of the fork server's process tree (fork server,
workflow server, the tries and their bash) and the memory pages the tries copied or mapped (minor
faults), then the same for the floor of any design that forks tries from a Python process holding
the loaded workflow: ``fork`` + ``exit``, and ``fork`` + ``subprocess.run(["bash", "-c", "true"])``.

Each figure is the min / median / max over ``--runs`` runs, with the machine's baseline of the
same run: the time to spawn ``bash -c true``.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.sandbox import landlock
from workers.runtime import child
from workers.runtime.confinement import TaskConfinement
from workers.runtime.forkserver import ForkServer
from workers.runtime.try_process import TryProcess

WORKFLOW = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="fan") as workflow:
    for number in range({tasks}):
        BashOperator(name=f"t{{number}}", bash_command="true")
'''


def tree_cpu_and_faults(root: psutil.Process) -> tuple[float, int]:
    """CPU seconds and minor faults of ``root`` and its live descendants, with the children each has reaped."""
    cpu, faults = 0.0, 0
    for process in [root, *root.children(recursive=True)]:
        times = process.cpu_times()
        cpu += times.user + times.system + times.children_user + times.children_system
        stat = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        faults += int(stat[7]) + int(stat[8])  # minflt, cminflt
    return cpu, faults


def fork_server_tries(folder: Path, tries: int) -> tuple[float, float]:
    """Run ``tries`` tries through a fork server; return (CPU ms, minor faults) per try of its tree."""
    workflow_file = folder / "fan.py"
    workflow_file.write_text(WORKFLOW.format(tasks=tries))
    protected = folder / "protected"
    protected.mkdir(exist_ok=True)
    confinement = TaskConfinement(None, landlock.abi_version(), (str(protected),), ())
    server = ForkServer(dict(os.environ), confinement, 30.0)
    server.start()

    def one(number: int) -> None:
        runtime = TaskRuntime("http://127.0.0.1:9", "", "default", "fan", 1, f"t{number % tries}", number, 1)
        process = TryProcess.launch(server, workflow_file, folder, {TASK_RUNTIME_ENV: runtime.to_json()},
                                    lambda line: None)
        if process.finish() != 0 or process.outcome is not None and process.outcome.error:
            raise RuntimeError(f"try {number} failed: {process.outcome}")

    try:
        one(0)  # the workflow server loads the file
        assert server._process is not None
        root = psutil.Process(server._process.pid)
        cpu, faults = tree_cpu_and_faults(root)
        for number in range(1, tries + 1):
            one(number)
        time.sleep(0.2)  # the last exits are accounted as the tries are reaped
        cpu_after, faults_after = tree_cpu_and_faults(root)
    finally:
        server.close()
    return 1000 * (cpu_after - cpu) / tries, (faults_after - faults) / tries


def bare_forks(folder: Path, tries: int, body: Callable[[], object]) -> tuple[float, float]:
    """Fork ``tries`` children of this process (the workflow loaded, as a workflow server holds it), one by one.

    Returns CPU ms and minor faults per child, counting this process's own (the fork) and the child's.
    """
    loaded = child.load(folder / "fan.py")
    assert loaded.error is None
    gc.freeze()
    cpu, faults = 0.0, 0
    before = resource.getrusage(resource.RUSAGE_SELF)  # the fork itself is the parent's CPU
    for _ in range(tries):
        pid = os.fork()
        if pid == 0:
            body()
            os._exit(0)
        _, _, usage = os.wait4(pid, 0)
        cpu += usage.ru_utime + usage.ru_stime
        faults += usage.ru_minflt
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    faults += after.ru_minflt - before.ru_minflt
    return 1000 * cpu / tries, faults / tries


def bash_spawn_ms() -> float:
    """The median wall time of spawning ``bash -c true``, in ms."""
    times = []
    for _ in range(50):
        start = time.perf_counter()
        subprocess.run(["bash", "-c", "true"], check=True)
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def spread(values: list[float], unit: str) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"fork server, BashOperator try": [],
                                                       "bare fork + exit": [], "bare fork + bash": []}
    baselines = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="aiflow-bench-try-") as name:
            folder = Path(name)
            results["fork server, BashOperator try"].append(fork_server_tries(folder, args.tries))
            baselines.append(bash_spawn_ms())
            results["bare fork + exit"].append(bare_forks(folder, args.tries, lambda: None))
            results["bare fork + bash"].append(bare_forks(folder, args.tries, run_bash))
    print(f"baseline: bash -c true spawns in {statistics.median(baselines):.2f} ms (median of 50, each run: "
          + ", ".join(f"{b:.2f}" for b in baselines) + ")")
    for label, runs in results.items():
        print(f"{label}: CPU per try {spread([cpu for cpu, _ in runs], ' ms')}, "
              f"minor faults per try {spread([faults for _, faults in runs], '')} (min / median / max)")


def run_bash() -> None:
    """The body of a bare fork that runs the same command as the try."""
    subprocess.run(["bash", "-c", "true"], check=True)


if __name__ == "__main__":
    main()
