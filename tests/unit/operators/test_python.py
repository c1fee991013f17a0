"""PythonOperator calls the function in a child process, or in place when the task has a process of its own."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.context import MappingContext
from aiflow.operators.errors import TaskFailedError
from aiflow.operators.python import PythonOperator


def write_file(path: Path, text: str, *, suffix: str) -> None:
    path.write_text(text + suffix)
    print("wrote", path.name)


def fail() -> None:
    raise RuntimeError("model diverged")


def test_callable_gets_its_arguments(workflow, context, tmp_path, caplog):
    target = tmp_path / "out.txt"
    task = PythonOperator("write", write_file, op_args=[target, "data"], op_kwargs={"suffix": "!"})
    with caplog.at_level(logging.INFO, logger="aiflow.task"):
        task.start(context)
        task.await_termination(context, timeout=10)
    assert target.read_text() == "data!"
    assert "wrote out.txt" in caplog.messages


def test_exception_fails_the_task_and_logs_the_traceback(workflow, context, caplog):
    task = PythonOperator("fail", fail)
    with caplog.at_level(logging.INFO, logger="aiflow.task"):
        task.start(context)
        with pytest.raises(TaskFailedError, match="exit code 1"):
            task.await_termination(context, timeout=10)
    assert "RuntimeError: model diverged" in caplog.messages


def test_stop_ends_a_function_that_never_returns(workflow, context):
    task = PythonOperator("forever", lambda: time.sleep(100))
    task.start(context)
    began = time.monotonic()
    task.stop(context)
    assert time.monotonic() - began < 2
    with pytest.raises(TaskFailedError, match="exit code -15"):
        task.await_termination(context)


def test_non_callable_is_rejected(workflow):
    with pytest.raises(InvalidInputError, match="callable"):
        PythonOperator("bad", python_callable="print")


class OwnProcessContext(MappingContext):
    dedicated_process = True


def test_in_a_dedicated_process_the_function_runs_in_place(workflow):
    context, pids = OwnProcessContext(), []
    task = PythonOperator("here", lambda: pids.append(os.getpid()))
    task.start(context)
    assert pids == []  # the call is the wait
    task.await_termination(context)
    assert pids == [os.getpid()]
    assert task.pid is None


def test_in_place_a_non_zero_exit_fails_the_task_and_an_exception_propagates(workflow):
    context = OwnProcessContext()
    exits, raises = PythonOperator("exits", lambda: sys.exit(3)), PythonOperator("raises", fail)
    exits.start(context)
    with pytest.raises(TaskFailedError, match="exit code 3"):
        exits.await_termination(context)
    raises.start(context)
    with pytest.raises(RuntimeError, match="model diverged"):
        raises.await_termination(context)
