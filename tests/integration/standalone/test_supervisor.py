"""The supervisor behind ``aiflow standalone`` and ``aiflow server start``, with stand-in processes."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from aiflow.errors import TransientError
from aiflow.launcher.supervisor import Part, Supervisor, log_says

SLEEPER = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]


def sleeper(name: str) -> Part:
    return Part(name, SLEEPER)


@pytest.fixture
def new_children() -> Callable[[], list[psutil.Process]]:
    """Lists the descendants of the test process that it did not have when the test began."""
    before = set(psutil.Process().children(recursive=True))
    return lambda: [child for child in psutil.Process().children(recursive=True) if child not in before]


def test_parts_start_in_order_once_the_previous_is_ready(tmp_path: Path) -> None:
    writer = Part("writer", [sys.executable, "-c", "import time; time.sleep(0.3); print('serving', flush=True); "
                             "time.sleep(600)"], ready=log_says("serving"))
    checker = Part("checker", [sys.executable, "-c", f"import pathlib, time; assert 'serving' in "
                               f"pathlib.Path({str(tmp_path / 'writer.log')!r}).read_text(); "
                               "print('ok', flush=True); time.sleep(600)"], ready=log_says("ok"))
    stop = threading.Event()

    assert Supervisor([writer, checker], tmp_path).run(stop, stop.set) == 0

    assert (tmp_path / "checker.log").read_text() == "ok\n"


def test_a_part_that_exits_stops_the_others(tmp_path: Path, new_children: Callable[[], list[psutil.Process]]) -> None:
    started: list[int] = []
    crash = Part("crash", [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"])
    supervisor = Supervisor([sleeper("a"), crash], tmp_path)

    def remember_pids() -> None:
        started.extend(p.pid for p in new_children())

    assert supervisor.run(threading.Event(), remember_pids) == 1

    assert len(started) == 2
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in started)
    assert (tmp_path / "a.log").read_text() == "up\n"


def test_a_part_that_fails_to_start_stops_those_started(
    tmp_path: Path, new_children: Callable[[], list[psutil.Process]]
) -> None:
    failing = Part("broken", [sys.executable, "-c", "import sys; print('no config here'); sys.exit(1)"],
                   ready=log_says("serving"))
    supervisor = Supervisor([sleeper("a"), failing, sleeper("never")], tmp_path)

    with pytest.raises(TransientError, match="broken exited while starting: no config here"):
        supervisor.run(threading.Event())

    assert new_children() == []
    assert not (tmp_path / "never.log").exists()


def test_a_part_that_is_never_ready_times_out(tmp_path: Path, new_children: Callable[[], list[psutil.Process]]) -> None:
    supervisor = Supervisor([Part("deaf", SLEEPER, ready=log_says("serving"))], tmp_path, start_timeout=0.5)

    with pytest.raises(TransientError, match="deaf was not ready within 0.5s"):
        supervisor.run(threading.Event())

    assert new_children() == []


def test_stop_ends_every_part_and_what_it_started(
    tmp_path: Path, new_children: Callable[[], list[psutil.Process]]
) -> None:
    spawner = Part("spawner", [sys.executable, "-c",
                               "import subprocess, sys, time; subprocess.Popen(['sleep', '600']); time.sleep(600)"])
    stop = threading.Event()
    descendants: list[psutil.Process] = []

    def ready() -> None:
        descendants.extend(new_children())
        stop.set()

    assert Supervisor([sleeper("a"), spawner], tmp_path, stop_timeout=2).run(stop, ready) == 0

    _, alive = psutil.wait_procs(descendants, timeout=5)
    assert alive == []
