"""Workflows: upload, show, list, enable, disable and delete."""

from __future__ import annotations

from aiflow.loader.errors import WorkflowFileError
from aiflow.loader.loader import load_workflow_file
from aiflow.ops.errors import AIFlowException
from aiflow.ops.http import call, call_or_none, list_items, resource, workflow_resource
from aiflow.ops.meta import WorkflowMeta
from aiflow.ops.package import WorkflowPackage, build_package
from notification.event import DEFAULT_NAMESPACE


def upload_workflows(workflow_file_path: str, artifacts: list[str] | None = None) -> list[WorkflowMeta]:
    """Upload every workflow the file declares, packed with ``artifacts`` (files or directories).

    The file is loaded here first (in a child process, as the server does) to
    learn its workflows' names and namespaces; each workflow is then stored in
    its own namespace. Uploading unchanged files again makes no new snapshot.

    Raises:
        AIFlowException: the file does not load, an artifact is missing, or the server refused a workflow.
    """
    package = build_package(workflow_file_path, artifacts or ())
    try:
        declared = load_workflow_file(workflow_file_path)
    except WorkflowFileError as exc:
        raise AIFlowException(str(exc)) from exc
    return [_upload(package, workflow.namespace, workflow.name) for workflow in declared]


def _upload(package: WorkflowPackage, namespace: str, name: str) -> WorkflowMeta:
    answer = call(
        "POST",
        resource("namespaces", namespace, "workflows"),
        files={"package": (f"{name}.zip", package.data, "application/zip")},
        data={"entry": package.entry, "name": name},
    )
    return WorkflowMeta.from_json(answer)


def delete_workflow(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Delete the workflow with its snapshots, schedules, triggers and finished executions.

    Raises:
        AIFlowException: no such workflow, an execution is unfinished, or the call failed.
    """
    call("DELETE", workflow_resource(namespace, workflow_name))


def disable_workflow(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Refuse new executions of the workflow; running executions go on."""
    call("POST", workflow_resource(namespace, workflow_name, "disable"))


def enable_workflow(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Let a disabled workflow start executions again."""
    call("POST", workflow_resource(namespace, workflow_name, "enable"))


def get_workflow(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> WorkflowMeta | None:
    """Return the workflow, or ``None`` when there is none."""
    return WorkflowMeta.from_optional_json(call_or_none("GET", workflow_resource(namespace, workflow_name)))


def list_workflows(
    namespace: str = DEFAULT_NAMESPACE, limit: int | None = None, offset: int | None = None
) -> list[WorkflowMeta] | None:
    """Return the namespace's workflows (all of them without ``limit``), or ``None`` when there is none."""
    return WorkflowMeta.list_from_json(list_items(resource("namespaces", namespace, "workflows"), limit, offset))
