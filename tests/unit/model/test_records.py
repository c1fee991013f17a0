"""Statuses, actions and execution records."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from aiflow.model.action import TaskAction
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.task_execution import TaskExecution, TaskExecutionKey
from aiflow.model.workflow_execution import WorkflowExecution


def test_enums_are_strings_with_the_documented_values():
    assert TaskAction("RESTART") is TaskAction.RESTART
    assert ExecutionType.PERIODIC == "PERIODIC"
    assert [s.value for s in TaskStatus] == [
        "INIT", "QUEUED", "RUNNING", "STOPPING", "RETRYING", "SUCCESS", "FAILED", "STOPPED",
    ]
    assert [s.value for s in WorkflowStatus] == ["INIT", "RUNNING", "SUCCESS", "FAILED", "STOPPED"]


def test_only_final_statuses_are_finished():
    assert {s for s in TaskStatus if s.is_finished} == {
        TaskStatus.SUCCESS,
        TaskStatus.FAILED,
        TaskStatus.STOPPED,
    }
    assert {s for s in WorkflowStatus if s.is_finished} == {
        WorkflowStatus.SUCCESS,
        WorkflowStatus.FAILED,
        WorkflowStatus.STOPPED,
    }


def test_task_execution_is_an_immutable_record_with_a_key():
    execution = TaskExecution(7, "train", 2, ExecutionType.EVENT)
    assert (execution.status, execution.try_number, execution.begin_date) == (TaskStatus.INIT, 1, None)
    assert execution.key == TaskExecutionKey(7, "train", 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        execution.status = TaskStatus.RUNNING  # type: ignore[misc]
    running = dataclasses.replace(execution, status=TaskStatus.RUNNING)
    assert (running.status, execution.status) == (TaskStatus.RUNNING, TaskStatus.INIT)


def test_workflow_execution_record():
    begin = datetime(2024, 1, 1, tzinfo=UTC)
    execution = WorkflowExecution(3, ExecutionType.MANUAL, begin, None, WorkflowStatus.RUNNING)
    assert execution.id is None
    ended = dataclasses.replace(execution, status=WorkflowStatus.SUCCESS, end_date=begin)
    assert ended.status.is_finished and not execution.status.is_finished
