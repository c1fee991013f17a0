"""Child processes: output streaming, exit codes, and stopping whole process groups."""

from __future__ import annotations

import os
import sys
import time

import psutil
import pytest

from aiflow.operators.process import run_callable, run_command
from tests.support import wait_until


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_output_lines_reach_the_handler_in_order():
    lines: list[str] = []
    child = run_command(["bash", "-c", "echo one; echo two >&2; printf 'three'; exit 4"], lines.append)
    assert child.wait(10) == 4
    assert lines == ["one", "two", "three"]
    assert child.exit_code == 4


def test_wait_times_out_while_running():
    child = run_command(["sleep", "100"])
    assert child.wait(0.05) is None
    child.stop()
    assert child.exit_code == -15


def test_stop_ends_every_process_in_the_group_within_two_seconds():
    lines: list[str] = []
    child = run_command(["bash", "-c", "sleep 100 & sleep 100 & echo started; wait"], lines.append)
    wait_until(lambda: lines == ["started"])
    tree = [child.pid] + [p.pid for p in psutil.Process(child.pid).children(recursive=True)]
    assert len(tree) == 3

    began = time.monotonic()
    child.stop(grace_period=5)
    wait_until(lambda: all(gone(pid) for pid in tree), 2)

    assert time.monotonic() - began < 2


def test_stop_escalates_to_sigkill_when_sigterm_is_ignored():
    lines: list[str] = []
    script = "trap '' TERM; echo ready; while true; do sleep 0.1; done"
    child = run_command(["bash", "-c", script], lines.append)
    wait_until(lambda: lines == ["ready"])
    child.stop(grace_period=0.2)
    assert child.exit_code == -9


def test_processes_left_behind_are_killed_when_the_child_exits():
    lines: list[str] = []
    child = run_command(["bash", "-c", "sleep 100 & echo $!"], lines.append)
    assert child.wait(10) == 0
    wait_until(lambda: gone(int(lines[0])), 2)


def raise_error() -> None:
    raise ValueError("bad input")


@pytest.mark.parametrize(
    ("target", "exit_code", "expected_output"),
    [
        (lambda: print("hello from", "child"), 0, "hello from child"),
        (lambda: sys.exit(7), 7, None),
        (lambda: sys.exit("message"), 1, "message"),
        (raise_error, 1, "ValueError: bad input"),
        (lambda: os.write(1, b"raw fd output\n"), 0, "raw fd output"),
    ],
)
def test_callables_run_in_a_child_with_their_output_captured(target, exit_code, expected_output):
    lines: list[str] = []
    child = run_callable(target, lines.append)
    assert child.wait(10) == exit_code
    assert child.pid != os.getpid()
    if expected_output is not None:
        assert expected_output in lines
