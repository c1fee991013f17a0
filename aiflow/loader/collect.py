"""Run a workflow file in this process and turn its workflows into validated, serialized records.

The loader runs this in a child process (see :mod:`aiflow.loader.child`),
because the file is arbitrary user code.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

import cloudpickle

from aiflow.errors import AIFlowError
from aiflow.loader.describe import describe_workflow
from aiflow.loader.errors import WorkflowFileError
from aiflow.model.validation import WorkflowDefinitionError, validate_workflows
from aiflow.model.workflow import Workflow

_AIFLOW_PACKAGES = frozenset({"aiflow", "ai_flow", "notification", "notification_service", "workers", "web"})
"""AIFlow's own packages: importable wherever a plan is evaluated, so never pickled by value."""


@dataclass(frozen=True)
class LoadedWorkflow:
    """A workflow from a file: its names and its plan (see :mod:`aiflow.plan`) as JSON data.

    The plan is what the API server stores and the scheduler reads; custom conditions travel
    inside it pickled by value, so a sandboxed evaluator can load them without the file.
    """

    name: str
    namespace: str
    task_names: tuple[str, ...]
    plan: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-compatible data."""
        return {"name": self.name, "namespace": self.namespace, "task_names": list(self.task_names),
                "plan": self.plan}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadedWorkflow:
        """Rebuild a record made by :meth:`to_dict` (its plan is validated by whoever stores it)."""
        return cls(data["name"], data["namespace"], tuple(data["task_names"]), data["plan"])


def collect_workflows(path: str) -> list[LoadedWorkflow]:
    """Run the file at absolute ``path``; return its top-level workflows, validated and serialized.

    Raises:
        WorkflowFileError: the file fails to run, declares no workflow, or a
            workflow is invalid or cannot be serialized.
    """
    module = execute_workflow_file(path)
    workflows = top_level_workflows(module)
    if not workflows:
        raise WorkflowFileError(path, None, "The file declares no Workflow at its top level")
    try:
        validate_workflows(workflows)
        _pickle_package_by_value(os.path.dirname(path))
        return [_serialize(workflow) for workflow in workflows]
    except WorkflowDefinitionError as err:
        raise WorkflowFileError.at(err.location, path, err.message) from None


def top_level_workflows(module: ModuleType) -> list[Workflow]:
    """Return the workflows bound to the module's top-level names, each once, in order."""
    return list({id(v): v for v in vars(module).values() if isinstance(v, Workflow)}.values())


def execute_workflow_file(path: str) -> ModuleType:
    """Run the file at absolute ``path`` as a module, with its folder importable; return the module.

    Raises:
        WorkflowFileError: the file fails to run, with the user's line to blame.
    """
    name = "aiflow_workflow_file_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise WorkflowFileError(path, None, "The file cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, os.path.dirname(path))  # files uploaded alongside it are importable
    try:
        spec.loader.exec_module(module)
    except SyntaxError as err:
        message = f"SyntaxError: {err.msg}"
        raise WorkflowFileError(err.filename or path, err.lineno, message) from None
    except BaseException as err:  # the user's code may raise anything, including SystemExit
        line = _last_line_in(path, err.__traceback__)
        message = str(err) if isinstance(err, AIFlowError) else f"{type(err).__name__}: {err}"
        raise WorkflowFileError(path, line, message) from None
    return module


def _last_line_in(path: str, tb: TracebackType | None) -> int | None:
    """Return the innermost line of ``path`` in the traceback: the user's line to blame."""
    line = None
    while tb is not None:
        if os.path.abspath(tb.tb_frame.f_code.co_filename) == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _pickle_package_by_value(folder: str) -> None:
    """Pickle the workflow file's module and every module imported from its package by value.

    A custom condition defined there then unpickles where the package is not importable.
    """
    for module in list(sys.modules.values()):
        file = os.path.abspath(getattr(module, "__file__", None) or os.sep)
        own = module.__name__.partition(".")[0] in _AIFLOW_PACKAGES or "site-packages" in file
        if file.startswith(folder + os.sep) and not own:
            cloudpickle.register_pickle_by_value(module)


def _serialize(workflow: Workflow) -> LoadedWorkflow:
    plan = describe_workflow(workflow)
    return LoadedWorkflow(workflow.name, workflow.namespace, tuple(workflow.tasks), plan.to_dict())
