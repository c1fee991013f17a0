"""Run the quickstart end to end: ``aiflow standalone``, upload, one execution, each task's final status.

Everything lives under ``.aiflow-demo`` in the repository (override with AIFLOW_HOME and
NOTIFICATION_HOME); the standalone processes are stopped at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[1] / ".aiflow-demo"
os.environ.setdefault("AIFLOW_HOME", str(DEMO / "aiflow"))
os.environ.setdefault("NOTIFICATION_HOME", str(DEMO / "notification"))

from aiflow import ops  # noqa: E402 (reads the homes set above)
from aiflow.model.status import WorkflowStatus  # noqa: E402

T = TypeVar("T")

#: Seconds each stage may take before the demo gives up.
DEADLINE_S = 60


def wait_for(what: str, condition: Callable[[], T | None], timeout: float = DEADLINE_S) -> T:
    """Return ``condition()``'s first truthy value; exit if ``timeout`` seconds pass first."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {what}")
        time.sleep(0.2)
    return value


def main() -> None:
    home = Path(os.environ["AIFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    output = home / "standalone.out"
    with output.open("w") as out:
        standalone = subprocess.Popen([sys.executable, "-m", "aiflow", "standalone"], stdout=out,
                                      stderr=subprocess.STDOUT)
    try:
        def ready() -> bool:
            if standalone.poll() is not None:
                sys.exit(f"aiflow standalone exited:\n{output.read_text()}")
            return "AIFlow is running" in output.read_text()

        wait_for("aiflow standalone to start", ready)
        print(output.read_text(), end="")
        ops.upload_workflows(str(HERE / "quickstart.py"))
        execution_id = ops.start_workflow_execution("quickstart_workflow")
        print(f"Started workflow execution {execution_id}; waiting for it to finish...")
        execution = wait_for("the execution to finish", lambda: _finished(execution_id))
        subprocess.run([sys.executable, "-m", "aiflow", "task-execution", "list", str(execution_id)], check=True)
        print(f"Workflow execution {execution_id}: {WorkflowStatus(execution.status).value}")
    finally:
        standalone.send_signal(signal.SIGINT)
        standalone.wait()


def _finished(execution_id: int) -> ops.WorkflowExecutionMeta | None:
    execution = ops.get_workflow_execution(execution_id)
    return execution if execution and WorkflowStatus(execution.status).is_finished else None


if __name__ == "__main__":
    main()
