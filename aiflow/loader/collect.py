"""Run a workflow file in this process and turn its workflows into validated, serialized records.

The loader runs this in a child process (see :mod:`aiflow.loader.child`),
because the file is arbitrary user code.
"""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

import cloudpickle

from aiflow.errors import AIFlowError
from aiflow.loader.errors import WorkflowFileError
from aiflow.model.validation import WorkflowDefinitionError, validate_workflows
from aiflow.model.workflow import Workflow


@dataclass(frozen=True)
class LoadedWorkflow:
    """A workflow from a file, serialized with cloudpickle by value.

    Functions and classes defined in the workflow file travel inside
    ``payload``, so :meth:`workflow` works where the file cannot be imported.
    """

    name: str
    namespace: str
    task_names: tuple[str, ...]
    payload: bytes

    def workflow(self) -> Workflow:
        """Deserialize the workflow."""
        workflow = cloudpickle.loads(self.payload)
        if not isinstance(workflow, Workflow):
            raise TypeError(f"The payload of {self.name!r} is not a Workflow")
        return workflow

    def to_dict(self) -> dict[str, Any]:
        """Return the record as JSON-compatible data."""
        return {
            "name": self.name,
            "namespace": self.namespace,
            "task_names": list(self.task_names),
            "payload": base64.b64encode(self.payload).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadedWorkflow:
        """Rebuild a record made by :meth:`to_dict`."""
        payload = base64.b64decode(data["payload"])
        return cls(data["name"], data["namespace"], tuple(data["task_names"]), payload)


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
    except WorkflowDefinitionError as err:
        raise WorkflowFileError.at(err.location, path, err.message) from None
    cloudpickle.register_pickle_by_value(module)
    return [_serialize(path, workflow) for workflow in workflows]


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


def _serialize(path: str, workflow: Workflow) -> LoadedWorkflow:
    try:
        payload = cloudpickle.dumps(workflow)
    except Exception as err:
        raise _serialization_error(path, workflow, err) from None
    return LoadedWorkflow(workflow.name, workflow.namespace, tuple(workflow.tasks), payload)


def _serialization_error(path: str, workflow: Workflow, err: Exception) -> WorkflowFileError:
    """Blame the first task that cannot be serialized alone, or else the workflow."""
    for task in workflow.tasks.values():
        try:
            cloudpickle.dumps({k: v for k, v in vars(task).items() if k != "workflow"})
        except Exception:
            message = f"Task {task.name!r} of workflow {workflow.name!r} cannot be serialized"
            return WorkflowFileError.at(task.declared_at, path, f"{message}: {err}")
    message = f"Workflow {workflow.name!r} cannot be serialized: {err}"
    return WorkflowFileError.at(workflow.declared_at, path, message)
