"""A try's process: runs the operator of one try, forked by its execution's workflow server.

The workflow server (:mod:`workers.runtime.workflow_server`) has executed the
snapshot's workflow file from the unpacked package once (:func:`load`; so
``__file__`` and the paths the file derives from it are the worker's), in the
execution's working folder, confined. Each try's process is forked from it
with its output on the try's log pipe: :func:`main` reads the running task
from ``AIFLOW_TASK_RUNTIME`` and runs the task's operator: ``start(context)``
then ``await_termination(context)``. It reports to its supervisor on the
message pipe (see :mod:`workers.runtime.messages`), then exits at once
(``os._exit``): threads the operator left running are not waited for.

A plain :class:`~aiflow.operators.bash.BashOperator` (that class itself, not a
subclass) needs none of that: the process becomes its ``bash`` command
(:func:`workers.runtime.commands.become`, prepared by :func:`command_of`
before the fork), whose exit code is the outcome. That spares each
try a Python process that would only wait for ``bash``, and the memory pages
it would copy from the workflow server (half of a no-op try's cost).

SIGTERM calls ``operator.stop(context)``; it is sent by the supervisor to stop
the try, and by the kernel when the workflow server dies (which it does with
the fork server and the worker process), so a lost worker never leaves its
tasks running.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import shutil
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from aiflow.loader.collect import execute_workflow_file, top_level_workflows
from aiflow.model.operator import AIFlowOperator
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import Workflow
from aiflow.notification.notification_client import TASK_RUNTIME_ENV, TaskRuntime  # loaded before the server forks
from aiflow.operators.bash import BashOperator
from aiflow.operators.process import TASK_OUTPUT_LOGGER
from workers.runtime.commands import Command
from workers.runtime.context import TaskExecutionContext
from workers.runtime.messages import Outcome, Started


@dataclass(frozen=True)
class Loaded:
    """What executing a workflow file gave: its top-level workflows by name, or why it failed."""

    workflows: dict[str, Workflow]
    error: str | None = None
    traceback: str = ""


def load(path: Path) -> Loaded:
    """Execute the workflow file at ``path``; keep its top-level workflows, or the error it raised."""
    try:
        found = top_level_workflows(execute_workflow_file(os.path.abspath(path)))
    except Exception as exc:
        return Loaded({}, str(exc) or type(exc).__name__, traceback.format_exc())
    return Loaded({workflow.name: workflow for workflow in found})


def main(loaded: Loaded, workflow_file: Path, message_fd: int) -> int:
    """Run the try of the environment's task, reporting on ``message_fd``; return the exit code.

    The output (file descriptors 1 and 2) and :func:`configure_logging` are set up beforehand.
    """
    with os.fdopen(message_fd, "w", buffering=1) as messages:
        outcome = run(loaded, workflow_file, TaskRuntime.from_environment(), messages)
        messages.write(outcome.to_line())
    return 0


def run(loaded: Loaded, workflow_file: Path, runtime: TaskRuntime, messages: TextIO) -> Outcome:
    """Find the task's operator in what the workflow file declared, announce it and run it to its end."""
    try:
        workflow = find_workflow(loaded, workflow_file, runtime.workflow_name)
        operator = find_operator(workflow, runtime.task_name)
    except Exception as exc:
        print(loaded.traceback or f"{type(exc).__name__}: {exc}", end="" if loaded.traceback else "\n")
        return Outcome.failed(f"cannot load task {runtime.task_name!r}: {exc}")
    context = TaskExecutionContext(workflow, runtime)
    stopper = StopOnSigterm(operator, context)
    messages.write(Started(_timeout_of(operator)).to_line())
    if stopper.requested:
        return Outcome.failed("stopped before it started")
    try:
        operator.start(context)
        stopper.started()
        operator.await_termination(context)
    except BaseException as exc:  # the task's code may raise anything, SystemExit included
        traceback.print_exc()
        return Outcome.failed(str(exc) or type(exc).__name__)
    return Outcome(TaskStatus.SUCCESS)


def command_of(loaded: Loaded, env: Mapping[str, str], preamble: bytes) -> Command | None:
    """The command of the try that ``env`` (added to this process's environment) describes, if it has one.

    ``preamble`` is what the workflow file printed as it loaded, written to the top of the try's log.

    Only a plain :class:`BashOperator` has one: a subclass may change how it starts or stops.
    """
    try:
        runtime = TaskRuntime(**json.loads(env[TASK_RUNTIME_ENV]))
    except (KeyError, TypeError, ValueError):
        return None  # the try's own process reports the error
    workflow = loaded.workflows.get(runtime.workflow_name)
    operator = workflow.tasks.get(runtime.task_name) if workflow else None
    if type(operator) is not BashOperator:
        return None
    full_env = {**os.environ, **env}
    argv = operator.command_line()
    started = Started(_timeout_of(operator), command=True, grace_period=operator.stop_grace_period)
    return Command(operator.name, _find_program(argv[0], full_env.get("PATH", os.defpath)), argv, full_env,
                   started.to_line(), preamble.decode(errors="surrogateescape"))


@functools.lru_cache(maxsize=16)
def _find_program(name: str, path: str) -> str:
    """Where ``name`` is on ``path`` (``name`` itself when it is nowhere: executing it then fails, saying so)."""
    return shutil.which(name, path=path) or name


def _timeout_of(operator: AIFlowOperator) -> float | None:
    return operator.timeout.total_seconds() if operator.timeout else None


def find_workflow(loaded: Loaded, path: Path, name: str) -> Workflow:
    """Return the workflow ``name`` that the file at ``path`` declared.

    Raises:
        LoadError: executing the file failed.
        LookupError: it declares no such workflow.
    """
    if loaded.error is not None:
        raise LoadError(loaded.error)
    workflow = loaded.workflows.get(name)
    if workflow is None:
        raise LookupError(f"{path.name} declares no workflow {name!r}")
    return workflow


class LoadError(Exception):
    """The workflow file raised an exception when it was executed."""


def find_operator(workflow: Workflow, task_name: str) -> AIFlowOperator:
    """Return the operator of ``task_name``, which must be one a worker can run."""
    task = workflow.tasks.get(task_name)
    if task is None:
        raise LookupError(f"workflow {workflow.name!r} has no task {task_name!r}")
    if not isinstance(task, AIFlowOperator):
        raise TypeError(f"task {task_name!r} is a {type(task).__name__}, not an AIFlowOperator")
    return task


class StopOnSigterm:
    """Calls ``operator.stop`` once SIGTERM has arrived and the operator has started, whichever is last.

    A SIGTERM during ``start`` thus still stops the work ``start`` began. The
    stop runs in a thread of its own: it may block for the operator's grace period.
    """

    def __init__(self, operator: AIFlowOperator, context: TaskExecutionContext) -> None:
        self._operator = operator
        self._context = context
        self._requested = threading.Event()
        self._started = threading.Event()
        self._once = threading.Lock()
        signal.signal(signal.SIGTERM, self._on_sigterm)

    @property
    def requested(self) -> bool:
        """Whether SIGTERM has arrived."""
        return self._requested.is_set()

    def started(self) -> None:
        """Record that ``operator.start`` returned."""
        self._started.set()
        self._stop_when_due()

    def _on_sigterm(self, signum: int, frame: object) -> None:
        self._requested.set()
        self._stop_when_due()

    def _stop_when_due(self) -> None:
        if self._requested.is_set() and self._started.is_set() and self._once.acquire(blocking=False):
            threading.Thread(target=self._operator.stop, args=(self._context,), name="stop", daemon=True).start()


def configure_logging() -> None:
    """Send the task output logger's lines as they are, and other records with their level, to stdout."""
    plain = logging.StreamHandler(sys.stdout)
    TASK_OUTPUT_LOGGER.addHandler(plain)
    TASK_OUTPUT_LOGGER.setLevel(logging.INFO)
    TASK_OUTPUT_LOGGER.propagate = False
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
