"""Fixtures for operator tests: an open workflow, a context, stand-in executables, leak checks."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from aiflow.model.context import MappingContext
from aiflow.model.workflow import Workflow

STAND_IN = """#!{python}
# A stand-in for {name}: records its arguments, then behaves like the real client.
import json, pathlib, sys, time
here = pathlib.Path(__file__).parent
with open(here / "calls.jsonl", "a") as calls:
    calls.write(json.dumps([pathlib.Path(sys.argv[0]).name, *sys.argv[1:]]) + "\\n")
if set(sys.argv[1:]) & {{"cancel", "stop", "--kill", "-kill"}}:
    (here / "cancelled").touch()
    sys.exit(0)
print({banner!r}, flush=True)
while not (here / "cancelled").exists():
    time.sleep(0.02)
print("job cancelled", flush=True)
sys.exit(1)
"""


@pytest.fixture
def workflow() -> Iterator[Workflow]:
    """An open workflow block, so tests can create tasks."""
    with Workflow("operators-test") as w:
        yield w


@pytest.fixture
def context() -> MappingContext:
    return MappingContext()


@pytest.fixture(autouse=True)
def no_leaked_processes() -> Iterator[None]:
    """Fail a test that leaves child processes of this process running."""
    yield
    leaked = [p for p in psutil.Process().children(recursive=True) if p.status() != psutil.STATUS_ZOMBIE]
    assert not leaked, f"leaked processes: {leaked}"


@pytest.fixture
def wait_until() -> Callable[[Callable[[], object], float], None]:
    """Return a function that waits for a condition to hold, failing after a deadline."""

    def wait(condition: Callable[[], object], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"condition not met within {timeout} s")
            time.sleep(0.01)

    return wait


@pytest.fixture
def stand_in(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write an executable stand-in for a job client; return its path.

    The stand-in appends ``[name, *args]`` to ``calls.jsonl`` next to it. Called
    with cancel/stop/--kill/-kill it marks the job cancelled and exits 0;
    otherwise it prints ``banner`` and runs until the job is cancelled, then exits 1.
    """

    def write(name: str, banner: str) -> Path:
        path = tmp_path / name
        path.write_text(STAND_IN.format(python=sys.executable, name=name, banner=banner))
        path.chmod(0o755)
        return path

    return write


@pytest.fixture
def recorded_calls(tmp_path: Path) -> Callable[[], list[list[str]]]:
    """Return a function listing the ``[name, *args]`` of every stand-in call so far."""

    def read() -> list[list[str]]:
        calls = tmp_path / "calls.jsonl"
        if not calls.exists():
            return []
        return [json.loads(line) for line in calls.read_text().splitlines()]

    return read
