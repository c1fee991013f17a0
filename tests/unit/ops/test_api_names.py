"""The SDK keeps the documented ``ai_flow.ops`` names: modules, functions and parameters."""

from __future__ import annotations

import importlib
import inspect

import pytest

SPEC = {
    "namespace_ops": {
        "add_namespace": ["name", "properties"],
        "delete_namespace": ["name"],
        "get_namespace": ["name"],
        "list_namespace": ["limit", "offset"],
        "update_namespace": ["name", "properties"],
    },
    "task_execution_ops": {
        "get_task_execution": ["task_execution_id"],
        "list_task_executions": ["workflow_execution_id", "limit", "offset"],
        "start_task_execution": ["workflow_execution_id", "task_name"],
        "stop_task_execution": ["workflow_execution_id", "task_name"],
    },
    "workflow_execution_ops": {
        "delete_workflow_execution": ["workflow_execution_id"],
        "get_workflow_execution": ["workflow_execution_id"],
        "list_workflow_executions": ["workflow_name", "namespace", "limit", "offset"],
        "start_workflow_execution": ["workflow_name", "namespace"],
        "stop_workflow_execution": ["workflow_execution_id"],
        "stop_workflow_executions": ["workflow_name", "namespace"],
    },
    "workflow_ops": {
        "delete_workflow": ["workflow_name", "namespace"],
        "disable_workflow": ["workflow_name", "namespace"],
        "enable_workflow": ["workflow_name", "namespace"],
        "get_workflow": ["workflow_name", "namespace"],
        "list_workflows": ["namespace", "limit", "offset"],
        "upload_workflows": ["workflow_file_path", "artifacts"],
    },
    "workflow_schedule_ops": {
        "add_workflow_schedule": ["expression", "workflow_name", "namespace"],
        "delete_workflow_schedule": ["schedule_id"],
        "delete_workflow_schedules": ["workflow_name", "namespace"],
        "get_workflow_schedule": ["schedule_id"],
        "list_workflow_schedules": ["workflow_name", "namespace", "limit", "offset"],
        "pause_workflow_schedule": ["schedule_id"],
        "resume_workflow_schedule": ["schedule_id"],
    },
    "workflow_snapshot_ops": {
        "delete_workflow_snapshot": ["snapshot_id"],
        "delete_workflow_snapshots": ["workflow_name", "namespace"],
        "get_workflow_snapshot": ["snapshot_id"],
        "list_workflow_snapshots": ["workflow_name", "namespace", "limit", "offset"],
    },
    "workflow_trigger_ops": {
        "add_workflow_trigger": ["rule", "workflow_name", "namespace"],
        "delete_workflow_trigger": ["trigger_id"],
        "delete_workflow_triggers": ["workflow_name", "namespace"],
        "get_workflow_trigger": ["trigger_id"],
        "list_workflow_triggers": ["workflow_name", "namespace", "limit", "offset"],
        "pause_workflow_trigger": ["trigger_id"],
        "resume_workflow_trigger": ["trigger_id"],
    },
}


@pytest.mark.parametrize("module_name", sorted(SPEC))
def test_documented_functions_and_parameters(module_name: str) -> None:
    module = importlib.import_module(f"ai_flow.ops.{module_name}")
    assert module is importlib.import_module(f"aiflow.ops.{module_name}")
    package = importlib.import_module("ai_flow.ops")
    for name, parameters in SPEC[module_name].items():
        function = getattr(module, name)
        assert list(inspect.signature(function).parameters) == parameters, name
        assert getattr(package, name) is function


def test_namespace_defaults_to_default() -> None:
    from ai_flow.ops import list_workflow_executions

    assert inspect.signature(list_workflow_executions).parameters["namespace"].default == "default"
