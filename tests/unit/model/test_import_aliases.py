"""The documented ai_flow import paths are the aiflow modules themselves."""

from __future__ import annotations

import importlib

import pytest

import aiflow.model.workflow
from aiflow.model.workflow import Workflow

DOCUMENTED = [
    "action",
    "condition",
    "context",
    "execution_type",
    "internal.conditions",
    "operator",
    "rule",
    "state",
    "status",
    "task_execution",
    "workflow",
    "workflow_execution",
]


@pytest.mark.parametrize("path", DOCUMENTED)
def test_documented_model_paths_alias_the_same_module(path):
    assert importlib.import_module(f"ai_flow.model.{path}") is importlib.import_module(
        f"aiflow.model.{path}"
    )


def test_isinstance_holds_across_names():
    from ai_flow.model.workflow import Workflow as AliasedWorkflow

    assert AliasedWorkflow is Workflow
    assert isinstance(AliasedWorkflow("w"), aiflow.model.workflow.Workflow)


def test_unknown_paths_are_not_found():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("ai_flow.no_such_module")
