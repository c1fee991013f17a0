"""PythonOperator calls the function in a child process."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from aiflow.errors import InvalidInputError
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
