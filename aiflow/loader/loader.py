"""Load a workflow file safely: in a sandboxed child process, with a time limit, errors as values."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
from pathlib import Path

from aiflow.loader.child import TIMEOUT_MARKER
from aiflow.loader.collect import LoadedWorkflow
from aiflow.loader.errors import WorkflowFileError
from aiflow.sandbox.policy import SandboxPolicy
from aiflow.sandbox.run import SandboxResult, run_sandboxed

DEFAULT_LOAD_TIMEOUT = 30.0
"""Seconds a workflow file may take to load."""

MAX_RESULT_BYTES = 64 * 1024 * 1024
"""Largest result document (the serialized workflows) a load may produce."""

MAX_ERROR_OUTPUT_BYTES = 64 * 1024
"""Bytes kept of the end of what the file wrote to stderr (and printed)."""

_KILL_MARGIN = 5.0
"""Extra seconds before the child is killed if its own time limit did not end it."""


def load_workflow_file(
    path: str | os.PathLike[str],
    timeout: float = DEFAULT_LOAD_TIMEOUT,
    policy: SandboxPolicy | None = None,
    writable_folder: bool = False,
) -> list[LoadedWorkflow]:
    """Run the workflow file at ``path`` in a sandboxed child process and return its workflows.

    The file's top-level :class:`~aiflow.model.workflow.Workflow` objects are
    validated and serialized by value in the child; the caller gets records it
    can store and deserialize anywhere. The child runs under ``policy`` (by
    default :class:`SandboxPolicy`'s) with a CPU limit matching ``timeout``:
    it can read the file's folder and nothing secret. With
    ``writable_folder`` that folder, a scratch copy the caller owns, is also
    the child's working folder: it may write there and it belongs to the
    sandbox's user afterwards. Otherwise the child works in a fresh folder.

    Raises:
        WorkflowFileError: the file is missing, fails to run, declares no
            workflow, declares an invalid one, cannot be serialized, takes
            longer than ``timeout`` seconds, or its process fails (then with
            the last line it wrote to stderr). The error names the file and line.
    """
    file = os.path.abspath(path)
    if not os.path.isfile(file):
        raise WorkflowFileError(file, None, "No such workflow file")
    folder = Path(file).parent
    limit = timeout + _KILL_MARGIN
    policy = policy or SandboxPolicy()
    readable = policy.readable if writable_folder else (*policy.readable, folder)
    policy = dataclasses.replace(policy, cpu_seconds=math.ceil(limit), readable=readable)
    result = run_sandboxed(
        "aiflow.loader.child", [file, str(timeout)], policy, timeout=limit, max_stdout=MAX_RESULT_BYTES,
        max_stderr=MAX_ERROR_OUTPUT_BYTES, workdir=folder if writable_folder else None,
    )
    return _result(file, timeout, result)


def _timed_out(timeout: float) -> str:
    return f"Loading did not finish within {timeout:g} seconds"


def _result(file: str, timeout: float, run: SandboxResult) -> list[LoadedWorkflow]:
    """Turn what the child wrote into workflows, or into the error that explains its failure."""
    if run.timed_out:
        raise WorkflowFileError(file, None, _timed_out(timeout))
    if run.stdout_truncated:
        raise WorkflowFileError(file, None, f"The loaded workflows exceed {MAX_RESULT_BYTES} bytes once serialized")
    if run.stdout and run.exit_code == 0:
        return _decoded(file, run.stdout)
    if TIMEOUT_MARKER in run.stderr:
        stuck = run.stderr[run.stderr.index(TIMEOUT_MARKER) :]
        match = re.search(rf'File "{re.escape(file)}", line (\d+)', stuck)
        line = int(match.group(1)) if match else None
        raise WorkflowFileError(file, line, _timed_out(timeout))
    last_words = (run.stderr.strip().splitlines() or ["no output"])[-1]
    message = f"The loader process ended with {run.describe_exit()}: {last_words}"
    raise WorkflowFileError(file, None, message)


def _decoded(file: str, document: bytes) -> list[LoadedWorkflow]:
    """Read the child's result document: the workflows, or the error it found."""
    try:
        result = json.loads(document)
        if "error" in result:
            error = result["error"]
            raise WorkflowFileError(error["file"], error["line"], error["message"])
        return [LoadedWorkflow.from_dict(item) for item in result["workflows"]]
    except (ValueError, KeyError, TypeError):  # the file wrote to the result's descriptor itself
        raise WorkflowFileError(file, None, "The loader process wrote an unreadable result") from None
