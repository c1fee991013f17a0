"""Workflow files in upstream's style upload unchanged; without Flink or Spark their tasks say what is missing.

The files (see ``upstream_style/README.md``) find their jars with ``expand_env_var('${FLINK_HOME}/...')``
and their commands on the ``PATH``. Here ``FLINK_HOME`` and ``SPARK_HOME`` are unset and no directory of
the ``PATH`` holds ``flink`` or ``spark-submit``. Upstream's own sample files are not in this repository;
with ``AIFLOW_UPSTREAM_SAMPLES`` naming the ``samples`` folder of a checkout of upstream AIFlow, the
same test also runs them, unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus
from tests.integration.samples.conftest import SampleStack, log_of, runs_of, wait_for

UPSTREAM_STYLE = Path(__file__).resolve().parent / "upstream_style"
UPSTREAM_SAMPLES = os.environ.get("AIFLOW_UPSTREAM_SAMPLES")
COMMANDS = ("flink", "spark-submit")


def upstream(file: str, workflow: str, task: str, command: str) -> object:
    """A case of one of upstream's own sample files, run where ``AIFLOW_UPSTREAM_SAMPLES`` names them."""
    return pytest.param(Path(UPSTREAM_SAMPLES or ".", file), workflow, task, command, id=f"upstream-{command}",
                        marks=pytest.mark.skipif(not UPSTREAM_SAMPLES, reason="upstream's own samples are not "
                                                 "in this repository: set AIFLOW_UPSTREAM_SAMPLES to run them"))


@pytest.fixture
def sample_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """No FLINK_HOME or SPARK_HOME, and a PATH without the Flink and Spark commands."""
    for name in ("FLINK_HOME", "SPARK_HOME"):
        monkeypatch.delenv(name, raising=False)
    folders = os.environ.get("PATH", "").split(os.pathsep)
    kept = [f for f in folders if not any(Path(f, command).exists() for command in COMMANDS)]
    return {"PATH": os.pathsep.join(kept)}


@pytest.mark.parametrize(
    ("file", "workflow", "task", "command"),
    [
        (UPSTREAM_STYLE / "flink_example.py", "upstream_style_flink", "word-count", "flink"),
        (UPSTREAM_STYLE / "spark_example.py", "upstream_style_spark", "spark-pi", "spark-submit"),
        upstream("flink_operator/flink_run_example.py", "flink_workflow", "flink-batch-task", "flink"),
        upstream("spark_operator/spark_submit_example.py", "spark_workflow", "spark-submit-example-task",
                 "spark-submit"),
    ],
)
def test_the_first_task_fails_saying_the_command_is_missing(
    sample_stack: SampleStack, file: Path, workflow: str, task: str, command: str
) -> None:
    uploaded = ops.upload_workflows(str(file))
    assert [w.name for w in uploaded] == [workflow]

    execution_id = ops.start_workflow_execution(workflow)

    def failed_run() -> ops.TaskExecutionMeta | None:
        runs = runs_of(execution_id, task)
        return runs[0] if runs and runs[0].status == TaskStatus.FAILED else None

    run = wait_for(failed_run, f"{task} failed")
    ended = wait_for(lambda: [line for line in log_of(run).splitlines() if "ended FAILED" in line],
                     f"{task}'s log says why it failed")
    assert f"could not start: [Errno 2] No such file or directory: '{command}'" in ended[0]
    assert [t.task_name for t in ops.list_task_executions(execution_id) or []] == [task]
