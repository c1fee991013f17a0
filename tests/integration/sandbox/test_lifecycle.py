"""A sandboxed child's life: pipes, its stderr tail, its end, and that nothing it started outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from aiflow.sandbox.child import SandboxedChild
from aiflow.sandbox.policy import SandboxPolicy
from aiflow.sandbox.run import run_sandboxed
from tests.integration.sandbox.conftest import PROBES, tagged_processes
from tests.support import process_running, wait_until

LIMITS = dict(max_stdout=1 << 20, max_stderr=1 << 16)


def test_a_long_lived_child_answers_on_its_pipes_and_keeps_only_the_tail_of_stderr(probe_policy: SandboxPolicy) -> None:
    with SandboxedChild.start("probe_echo", [str(4 << 20)], probe_policy, stderr_tail_bytes=1000) as child:
        child.stdin.write(b"ping\n")
        child.stdin.flush()

        assert child.stdout.readline() == b"PING\n"
        assert child.alive()
        wait_until(lambda: child.stderr_tail().endswith("noise done\n"), message="the end of the noise")
        assert len(child.stderr_tail()) <= 1000
    assert not child.alive()


def test_stop_kills_every_process_the_child_started_and_frees_everything(probe_policy: SandboxPolicy) -> None:
    marker = uuid.uuid4().hex
    child = SandboxedChild.start("probe_spawn", [marker, "stdin"], probe_policy)
    sleeper = int(child.stdout.readline())
    assert tagged_processes(marker) == [sleeper]  # setsid'd and orphaned, yet found

    child.stop()
    child.stop()  # again: nothing happens

    assert tagged_processes(marker) == []
    assert not process_running(child.pid)
    assert not child.workdir.exists()
    assert child.stdin.closed and child.stdout.closed


def test_when_the_child_exits_its_detached_descendants_are_killed(probe_policy: SandboxPolicy) -> None:
    marker = uuid.uuid4().hex

    result = run_sandboxed("probe_spawn", [marker, "exit"], probe_policy, timeout=30, **LIMITS)

    assert (result.exit_code, result.timed_out) == (0, False)
    assert int(result.stdout) > 0
    assert tagged_processes(marker) == []


def test_a_child_that_never_ends_is_killed_with_its_tree_at_the_time_limit(probe_policy: SandboxPolicy) -> None:
    marker = uuid.uuid4().hex
    started = time.monotonic()

    result = run_sandboxed("probe_spawn", [marker, "spin"], probe_policy, timeout=2, **LIMITS)

    assert result.timed_out and time.monotonic() - started < 10
    assert result.describe_exit() == "signal SIGKILL"
    assert tagged_processes(marker) == []


def test_the_sandbox_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    starter = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from aiflow.sandbox.child import SandboxedChild
        from aiflow.sandbox.policy import SandboxPolicy
        policy = SandboxPolicy(python_path=(Path({str(PROBES)!r}),))
        child = SandboxedChild.start("probe_spawn", [{marker!r}, "stdin"], policy)
        print(child.pid, child.stdout.readline().decode().strip(), flush=True)
        sys.stdin.read()
        """)
    caller = subprocess.Popen([sys.executable, "-c", starter], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    reaper, sleeper = map(int, caller.stdout.readline().split())
    assert process_running(reaper) and tagged_processes(marker) == [sleeper]

    os.kill(caller.pid, signal.SIGKILL)
    caller.wait()
    caller.stdin.close()
    caller.stdout.close()

    wait_until(lambda: not process_running(reaper) and not tagged_processes(marker), timeout=10,
               message="the reaper and the sleeper to die with their caller")


def test_output_past_the_cap_stops_the_child(probe_policy: SandboxPolicy) -> None:
    started = time.monotonic()

    result = run_sandboxed("probe_flood", ["flood", "1024"], probe_policy, timeout=60, max_stdout=1 << 20,
                           max_stderr=1 << 10)

    assert result.stdout_truncated and not result.timed_out
    assert result.stdout == b"y" * (1 << 20)
    assert time.monotonic() - started < 10  # stopped, not drained for the whole GiB


def test_allocating_past_the_memory_limit_fails_cleanly(probe_policy: SandboxPolicy) -> None:
    result = run_sandboxed("probe_flood", ["allocate", "10"], probe_policy, timeout=30, **LIMITS)

    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == "MemoryError"


def test_input_reaches_the_child_and_a_given_folder_is_kept(probe_policy: SandboxPolicy, tmp_path: Path) -> None:
    workdir = tmp_path / "work"
    workdir.mkdir()

    result = run_sandboxed("probe_echo", ["0"], probe_policy, timeout=30, workdir=workdir, stdin_data=b"a\nb\n" * 50000,
                           **LIMITS)

    assert result.exit_code == 0
    assert result.stdout == b"A\nB\n" * 50000
    assert result.stderr == "noise done\n"
    assert workdir.is_dir()
