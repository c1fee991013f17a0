"""Checks run on a whole workflow file after it has been declared."""

from __future__ import annotations

import sys

import pytest

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus
from aiflow.model.validation import WorkflowDefinitionError, validate_workflows
from aiflow.model.workflow import Workflow


def test_consistent_workflows_pass(task):
    with Workflow("one") as one:
        task("a")
        task("b").action_on_task_status(TaskAction.START, {"a": TaskStatus.SUCCESS})
    with Workflow("one", namespace="other") as same_name_elsewhere:
        task("a")
    validate_workflows([one, same_name_elsewhere])


def test_rule_naming_an_unknown_task_is_reported_at_its_line(task):
    with Workflow("w") as w:
        task("a")
        line = sys._getframe().f_lineno + 1
        task("b").action_on_task_status(TaskAction.START, {"ghost": TaskStatus.SUCCESS})

    with pytest.raises(WorkflowDefinitionError, match="depends on task 'ghost'") as info:
        validate_workflows([w])
    assert (info.value.location.filename, info.value.location.lineno) == (__file__, line)


def test_duplicate_workflow_names_are_reported(task):
    first = Workflow("w")
    line = sys._getframe().f_lineno + 1
    second = Workflow("w")
    with pytest.raises(WorkflowDefinitionError, match="declared twice") as info:
        validate_workflows([first, second])
    assert info.value.location.lineno == line
