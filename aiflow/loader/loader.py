"""Load a workflow file safely: in a child process, with a time limit, errors as values."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiflow
from aiflow.loader.child import TIMEOUT_MARKER
from aiflow.loader.collect import LoadedWorkflow
from aiflow.loader.errors import WorkflowFileError

DEFAULT_LOAD_TIMEOUT = 30.0
"""Seconds a workflow file may take to load."""

_KILL_MARGIN = 5.0
"""Extra seconds before the child is killed if its own time limit did not end it."""


def load_workflow_file(
    path: str | os.PathLike[str], timeout: float = DEFAULT_LOAD_TIMEOUT
) -> list[LoadedWorkflow]:
    """Run the workflow file at ``path`` in a child process and return its workflows.

    The file's top-level :class:`~aiflow.model.workflow.Workflow` objects are
    validated and serialized by value in the child; the caller gets records it
    can store and deserialize anywhere.

    Raises:
        WorkflowFileError: the file is missing, fails to run, declares no
            workflow, declares an invalid one, cannot be serialized, or takes
            longer than ``timeout`` seconds. The error names the file and line.
    """
    file = os.path.abspath(path)
    if not os.path.isfile(file):
        raise WorkflowFileError(file, None, "No such workflow file")
    ended = run_child(["aiflow.loader.child", file, str(timeout)], None, os.path.dirname(file), timeout)
    if ended is None:
        raise WorkflowFileError(file, None, _timed_out(timeout))
    exit_code, stdout, errors = ended
    return _result(file, timeout, exit_code, stdout, errors)


def run_child(args: list[str], stdin: bytes | None, cwd: str, timeout: float) -> tuple[int, bytes, str] | None:
    """Run ``python -m ARGS`` in ``cwd`` and return its exit code, stdout and stderr (None: it timed out).

    Whatever it started is killed when it ends.
    """
    child = subprocess.Popen(
        [sys.executable, "-m", *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        cwd=cwd,
        env=_child_environment(),
    )
    try:
        stdout, stderr = child.communicate(stdin, timeout=timeout + _KILL_MARGIN)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return None
    finally:
        _kill_leftovers(child.pid)
    return child.returncode, stdout, stderr.decode("utf-8", errors="replace")


def _child_environment() -> dict[str, str]:
    root = str(Path(aiflow.__file__).resolve().parents[1])
    python_path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    return {**os.environ, "PYTHONPATH": python_path}


def _kill_leftovers(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # the file started nothing that outlived the loader


def _timed_out(timeout: float) -> str:
    return f"Loading did not finish within {timeout:g} seconds"


def _result(
    file: str, timeout: float, exit_code: int, stdout: bytes, stderr: str
) -> list[LoadedWorkflow]:
    """Turn what the child wrote into workflows, or into the error that explains its failure."""
    if stdout:
        result = json.loads(stdout)
        if "error" in result:
            error = result["error"]
            raise WorkflowFileError(error["file"], error["line"], error["message"])
        return [LoadedWorkflow.from_dict(item) for item in result["workflows"]]
    if TIMEOUT_MARKER in stderr:
        stuck = stderr[stderr.index(TIMEOUT_MARKER) :]
        match = re.search(rf'File "{re.escape(file)}", line (\d+)', stuck)
        line = int(match.group(1)) if match else None
        raise WorkflowFileError(file, line, _timed_out(timeout))
    last_words = (stderr.strip().splitlines() or ["no output"])[-1]
    message = f"The loader process exited with code {exit_code}: {last_words}"
    raise WorkflowFileError(file, None, message)
