"""The stack the samples run on, and helpers to drive it the way the samples' READMEs do.

A test asks for ``sample_stack``: when it gets it, ``aiflow standalone`` runs in the test's homes on
free ports, and the Python SDK (``ai_flow.ops``) and the ``aiflow`` CLI of this process talk to it,
as they would for a user. Only :func:`sample_stack` knows how the stack is started.

A test module whose sample needs more environment (``FLINK_HOME``, say) overrides the
``sample_environment`` fixture; the stack's processes and this process get it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import pytest
from click.testing import CliRunner

from aiflow import ops
from aiflow.cli.main import cli
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.standalone.conftest import StandaloneProcess
from tests.support import wait_until

T = TypeVar("T")

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
"""The repository's ``samples/`` folder."""


@dataclass(frozen=True)
class SampleStack:
    """A running stack, as a sample's test sees it."""

    folder: Path
    """A scratch folder for the test."""
    home: Path
    """``AIFLOW_HOME`` of the stack's processes: samples that share files between tasks write below it."""


@pytest.fixture
def sample_environment() -> dict[str, str]:
    """Extra environment variables for the stack's processes (none by default)."""
    return {}


@pytest.fixture
def sample_stack(
    sample_environment: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SampleStack]:
    """A running ``aiflow standalone``; the SDK and the CLI of this process talk to it."""
    for name, value in sample_environment.items():
        monkeypatch.setenv(name, value)  # workflow files load here too (the SDK reads their names)
    folder = tmp_path / "sample"
    folder.mkdir()
    with StandaloneProcess(tmp_path, sample_environment):
        yield SampleStack(folder=folder, home=Path(os.environ["AIFLOW_HOME"]))
        _stop_unfinished_executions()


def _stop_unfinished_executions() -> None:
    """Stop what a failed test left running (streaming tasks never end on their own)."""
    for workflow in ops.list_workflows() or []:
        executions = ops.list_workflow_executions(workflow.name) or []
        if any(not WorkflowStatus(e.status).is_finished for e in executions):
            ops.stop_workflow_executions(workflow.name)


def aiflow(*args: str) -> str:
    """Run ``aiflow <args>`` as a user would in a shell; it must succeed. Return its output."""
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, f"aiflow {' '.join(args)} failed: {result.stderr or result.output}"
    return result.stdout


def sample_file(*parts: str) -> str:
    """Return the path of a file of ``samples/``."""
    return str(SAMPLES.joinpath(*parts))


def wait_for(fetch: Callable[[], T | None | Literal[False]], message: str, timeout: float = 30) -> T:
    """Poll ``fetch()`` until it returns something; return that (fail after ``timeout`` seconds)."""
    found = wait_until(fetch, timeout=timeout, interval=0.2, message=message)
    assert found
    return found


def wait_for_many(fetch: Callable[[], list[T] | None], count: int, message: str, timeout: float = 30) -> list[T]:
    """Poll ``fetch()`` until it returns at least ``count`` items; return them."""
    def enough() -> list[T] | None:
        found = fetch() or []
        return found if len(found) >= count else None

    return wait_for(enough, message, timeout)


def runs_of(execution_id: int, task_name: str) -> list[ops.TaskExecutionMeta]:
    """The task executions of one task, by sequence number."""
    runs = [t for t in ops.list_task_executions(execution_id) or [] if t.task_name == task_name]
    return sorted(runs, key=lambda run: run.sequence_number)


def successful_runs(execution_id: int, task_name: str) -> list[ops.TaskExecutionMeta]:
    """The task executions of one task that succeeded, by sequence number."""
    return [run for run in runs_of(execution_id, task_name) if run.status == TaskStatus.SUCCESS]


def log_of(task_execution: ops.TaskExecutionMeta) -> str:
    """Everything the task execution's latest try logged so far."""
    return "\n".join(ops.task_execution_log_lines(task_execution.id))
