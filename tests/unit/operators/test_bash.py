"""BashOperator runs real processes."""

from __future__ import annotations

import logging
import time

import psutil
import pytest

from aiflow.errors import InvalidInputError
from aiflow.operators.bash import BashOperator
from aiflow.operators.errors import TaskFailedError, TaskTimeoutError
from tests.support import wait_until


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_success_streams_output_to_the_task_log(workflow, context, caplog):
    task = BashOperator("hello", bash_command="echo hello from $0")
    with caplog.at_level(logging.INFO, logger="aiflow.task"):
        task.start(context)
        task.await_termination(context, timeout=10)
    assert "hello from bash" in caplog.messages


def test_non_zero_exit_fails_with_the_exit_code(workflow, context):
    task = BashOperator("fails", bash_command="exit 3")
    task.start(context)
    with pytest.raises(TaskFailedError, match="exit code 3") as info:
        task.await_termination(context, timeout=10)
    assert info.value.exit_code == 3


def test_stop_ends_the_command_and_its_process_tree_within_two_seconds(workflow, context):
    task = BashOperator("sleeper", bash_command="sleep 100 | cat")
    task.start(context)
    shell = psutil.Process(task.pid)
    wait_until(lambda: len(shell.children()) == 2)
    tree = [shell, *shell.children(recursive=True)]

    began = time.monotonic()
    task.stop(context)
    wait_until(lambda: not any(alive(p) for p in tree), 2)

    assert time.monotonic() - began < 2
    with pytest.raises(TaskFailedError, match="exit code -15"):
        task.await_termination(context)


def test_await_termination_times_out_while_the_command_runs(workflow, context):
    task = BashOperator("slow", bash_command="sleep 100")
    task.start(context)
    with pytest.raises(TaskTimeoutError):
        task.await_termination(context, timeout=0.1)
    task.stop(context)


def test_waiting_on_a_task_never_started_fails(workflow, context):
    with pytest.raises(TaskFailedError, match="never started"):
        BashOperator("idle", bash_command="true").await_termination(context)


def test_blank_command_is_rejected_at_declaration(workflow):
    with pytest.raises(InvalidInputError, match="bash_command"):
        BashOperator("blank", bash_command="  ")
    assert workflow.tasks == {}
