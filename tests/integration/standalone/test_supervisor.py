"""The supervisor behind ``aiflow standalone`` and ``aiflow server start``, with stand-in processes.

The restart tests run the supervisor in a thread with short restart delays and follow it by its log.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import psutil
import pytest

from aiflow.errors import TransientError
from aiflow.launcher.foreground import stop_on_signals
from aiflow.launcher.supervisor import Part, Supervisor, log_says
from tests.support import process_running, wait_until

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

    Supervisor([writer, checker], tmp_path).run(stop, stop.set)

    assert (tmp_path / "checker.log").read_text() == "ok\n"


def test_a_part_that_exits_while_a_later_one_starts_fails_the_start(
    tmp_path: Path, new_children: Callable[[], list[psutil.Process]]
) -> None:
    quitter = Part("quitter", [sys.executable, "-c", "import sys, time; print('bye', flush=True); time.sleep(0.3); "
                               "sys.exit(1)"])
    supervisor = Supervisor([quitter, Part("deaf", SLEEPER, ready=log_says("serving"))], tmp_path)

    with pytest.raises(TransientError, match="^quitter exited while starting: bye$"):
        supervisor.run(threading.Event())

    assert new_children() == []


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

    Supervisor([sleeper("a"), spawner], tmp_path, stop_timeout=2).run(stop, ready)

    _, alive = psutil.wait_procs(descendants, timeout=5)
    assert alive == []


def stand_in(trigger: Path, *, consume: bool) -> list[str]:
    """A part that serves until ``trigger`` exists, then exits with code 3 (removing it first if ``consume``)."""
    exit_code = f"os.remove({str(trigger)!r}); sys.exit(3)" if consume else "sys.exit(3)"
    return [sys.executable, "-c", f"import os, sys, time\nprint('up', flush=True)\n"
                                  f"while not os.path.exists({str(trigger)!r}):\n    time.sleep(0.01)\n{exit_code}"]


class Supervising(AbstractContextManager["Supervising"]):
    """``supervisor.run`` in a thread; ``ready`` is set once every part has started. Stops it on exit."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.stop = threading.Event()
        self.ready = threading.Event()
        self._thread = threading.Thread(target=supervisor.run, args=(self.stop, self.ready.set))
        self._thread.start()
        wait_until(self.ready.is_set, timeout=30, message="every part to start")

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self._thread.join(60)


def supervisor_says(caplog: pytest.LogCaptureFixture, pattern: str) -> list[re.Match[str]]:
    """The supervisor's log messages that match ``pattern``, in order."""
    return [match for record in list(caplog.records) if record.name == "aiflow.launcher.supervisor"
            if (match := re.fullmatch(pattern, record.getMessage()))]


def pid_of(pattern: str, caplog: pytest.LogCaptureFixture) -> int:
    (match,) = supervisor_says(caplog, pattern)
    return int(match.group(1))


def test_a_part_that_dies_is_restarted_alone(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    trigger = tmp_path / "crash-now"
    parts = [sleeper("a"), Part("flaky", stand_in(trigger, consume=True), ready=log_says("up")), sleeper("b")]

    with Supervising(Supervisor(parts, tmp_path / "logs", restart_delay=0.2)):
        a, flaky, b = (pid_of(rf"{name}: started \(pid (\d+)\)", caplog) for name in ("a", "flaky", "b"))
        trigger.touch()
        restarted = wait_until(lambda: supervisor_says(caplog, r"flaky: ready \(pid (\d+)\)")[1:],
                               message="flaky to serve again")

        assert supervisor_says(caplog, r"flaky \(pid (\d+)\) exited \(exit code 3\); restarting it in 0.2s; "
                                       r"its last log line: up")[0].group(1) == str(flaky)
        assert int(restarted[0].group(1)) != flaky and not process_running(flaky)
        assert all(process_running(pid) for pid in (a, b, int(restarted[0].group(1))))
        assert supervisor_says(caplog, r"[ab]: restarted .*") == []
    assert (tmp_path / "logs" / "flaky.log").read_text() == "up\nup\n"


def test_a_part_that_keeps_dying_backs_off_up_to_the_cap(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    trigger = tmp_path / "crash-now"
    parts = [sleeper("a"), Part("doomed", stand_in(trigger, consume=False), ready=log_says("up"))]

    with Supervising(Supervisor(parts, tmp_path, restart_delay=0.1, max_restart_delay=0.4)):
        a = pid_of(r"a: started \(pid (\d+)\)", caplog)
        trigger.touch()
        wait_until(lambda: len(supervisor_says(caplog, r"doomed: restarted .*")) == 5, message="five restarts")
        a_still_runs = process_running(a)

    ends = [r for r in caplog.records if re.match(r"doomed \(pid \d+\) exited \(exit code 3\)", r.getMessage())]
    starts = [r for r in caplog.records if r.getMessage().startswith("doomed: restarted")]
    delays = [float(re.findall(r"restarting it in ([\d.]+)s", r.getMessage())[0]) for r in ends[:5]]
    assert delays == [0.1, 0.2, 0.4, 0.4, 0.4]
    waits = [start.created - end.created for end, start in zip(ends[:5], starts[:5], strict=True)]
    assert all(wait >= delay - 0.01 for wait, delay in zip(waits, delays, strict=True)), waits
    assert len({pid_in(r) for r in ends}) == len(ends)
    assert a_still_runs


def pid_in(record: logging.LogRecord) -> int:
    return int(re.findall(r"\(pid (\d+)\)", record.getMessage())[0])


def test_a_restarted_part_must_be_ready_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    trigger, marker = tmp_path / "crash-now", tmp_path / "ran-once"
    picky = Part("picky", [sys.executable, "-c", f"import pathlib, sys, time\nmarker = pathlib.Path({str(marker)!r})\n"
                           "if marker.exists():\n    print('still loading', flush=True); time.sleep(600)\n"
                           f"marker.touch(); print('serving', flush=True)\n"
                           f"while not pathlib.Path({str(trigger)!r}).exists():\n    time.sleep(0.01)\nsys.exit(3)"],
                   ready=log_says("serving"))

    with Supervising(Supervisor([picky], tmp_path / "logs", start_timeout=2, restart_delay=0.1)):
        trigger.touch()
        wait_until(lambda: supervisor_says(caplog, r"picky \(pid \d+\) was not ready within 2s, so it was killed; "
                                                   r"restarting it in 0.2s; its last log line: still loading"),
                   timeout=20, message="the second run to time out")


def test_sigterm_while_a_part_waits_to_restart_stops_everything_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, new_children: Callable[[], list[psutil.Process]]
) -> None:
    caplog.set_level(logging.INFO)
    trigger = tmp_path / "crash-now"
    parts = [sleeper("a"), Part("flaky", stand_in(trigger, consume=True)), sleeper("b")]
    children: list[psutil.Process] = []
    signalled_at: list[float] = []

    def terminate_once_waiting() -> None:
        try:
            wait_until(lambda: supervisor_says(caplog, r"flaky .* restarting it in 60s; .*"), message="the wait")
        finally:
            signalled_at.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGTERM)

    def on_ready() -> None:
        children.extend(new_children())
        trigger.touch()
        killer.start()

    killer = threading.Thread(target=terminate_once_waiting)
    handlers = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        Supervisor(parts, tmp_path, restart_delay=60).run(stop_on_signals(), on_ready)
    finally:
        signal.signal(signal.SIGTERM, handlers[0])
        signal.signal(signal.SIGINT, handlers[1])
        killer.join(10)

    assert time.monotonic() - signalled_at[0] < 5
    assert len(children) == 3 and psutil.wait_procs(children, timeout=5)[1] == []
    assert [m.group(1) for m in supervisor_says(caplog, r"(\w+): stopping .*")] == ["b", "a"]
    assert supervisor_says(caplog, r"flaky: restarted .*") == []
