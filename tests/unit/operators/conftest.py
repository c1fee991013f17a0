"""Fixtures for operator tests: an open workflow, a context, stand-in job clients, leak checks."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from aiflow.model.context import MappingContext
from aiflow.model.workflow import Workflow

JOB_ID = "0123456789abcdef0123456789abcdef"
"""The id of the job every stand-in cluster runs."""

STAND_IN = """#!{python}
# A stand-in for {name}: records its arguments, then behaves like the real client.
import json, pathlib, sys, time
here = pathlib.Path(__file__).parent
args = sys.argv[1:]
with open(here / "calls.jsonl", "a") as calls:
    calls.write(json.dumps([{name!r}, *args]) + "\\n")
job = here / "job_state"

def set_state(state):
    (here / "job_state.new").write_text(state)
    (here / "job_state.new").replace(job)

if set(args) & {{"cancel", "stop", "--kill", "-kill"}}:
    set_state({cancelled!r})
elif "list" in args:
    if job.read_text():
        print("01.01.2024 00:00:00 : {job_id} : stand-in job (" + job.read_text() + ")")
elif "--status" in args:
    print('{{"action" : "SubmissionStatusResponse", "driverState" : "' + job.read_text() + '"}}')
else:
    set_state("RUNNING")
    print({banner!r}, flush=True)
    if {detached}:
        sys.exit(0)
    while job.read_text() == "RUNNING":
        time.sleep(0.02)
    print("job " + job.read_text(), flush=True)
    sys.exit(0 if job.read_text() == "FINISHED" else 1)
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
def stand_in(tmp_path: Path) -> Callable[..., Path]:
    """Write an executable stand-in for a job client (flink, spark-submit, spark-sql); return its path.

    Every call appends ``[name, *args]`` to ``calls.jsonl``. The stand-in keeps
    one job's state in ``job_state`` (see :func:`job_state`):

    * cancel / stop / --kill / -kill: the job becomes CANCELED (KILLED for spark-submit);
    * list: prints the job as ``flink list`` does, unless the state is empty;
    * --status: prints the driver state as a standalone master's reply does;
    * anything else submits: the job becomes RUNNING and ``banner`` is printed.
      A ``detached`` client exits 0 at once, like ``flink run-application``;
      otherwise it runs while the job runs and exits 0 if it FINISHED, else 1.
    """

    def write(name: str, banner: str, *, detached: bool = False) -> Path:
        cancelled = "KILLED" if name == "spark-submit" else "CANCELED"
        path = tmp_path / name
        script = STAND_IN.format(
            python=sys.executable, name=name, banner=banner, detached=detached, cancelled=cancelled, job_id=JOB_ID
        )
        path.write_text(script)
        path.chmod(0o755)
        return path

    return write


@pytest.fixture
def job_state(tmp_path: Path) -> Callable[[str], None]:
    """Return a function that sets the stand-in job's state, as the cluster would."""

    def set_state(state: str) -> None:
        staged = tmp_path / "job_state.new"
        staged.write_text(state)
        staged.replace(tmp_path / "job_state")

    return set_state


@pytest.fixture
def recorded_calls(tmp_path: Path) -> Callable[[], list[list[str]]]:
    """Return a function listing the ``[name, *args]`` of every stand-in call so far.

    Repeated polls are listed once: a call equal to the one before it is left out.
    """

    def read() -> list[list[str]]:
        calls_file = tmp_path / "calls.jsonl"
        calls = [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
        return [call for i, call in enumerate(calls) if i == 0 or call != calls[i - 1]]

    return read
