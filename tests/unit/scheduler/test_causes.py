"""Why the engine starts and stops tasks, in words: the cause each decision carries to the timeline."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.engine.decisions import Decision, QueueTask, RetryTask, SetTaskStatus, StopTask
from aiflow.scheduler.engine.engine import (
    command_on_task,
    fail_execution,
    fire_periodic,
    retry_due,
    start_execution,
    stop_execution,
)
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.status_events import TaskStatusReport
from tests.unit.scheduler.builders import EXECUTION_ID, apply, report, user_event, view_of

S, F, R, Q = TaskStatus.SUCCESS, TaskStatus.FAILED, TaskStatus.RUNNING, TaskStatus.QUEUED
Step = Callable[[ExecutionView], list[Decision]]


def pipeline() -> Workflow:
    """Quickstart-shaped: task4's second rule starts it after task3; it restarts on "again"."""
    with Workflow("pipeline") as workflow:
        task3 = BashOperator("task3", "echo 3", retries=3)
        task4 = BashOperator("task4", "echo 4")
        task4.action_on_event_received(TaskAction.RESTART, "again")
        task4.start_after([task3])
        BashOperator("tick", "echo", periodic_expression="cron@*/5 * * * *")
    return workflow


def on_report(task: str, status: TaskStatus, try_number: int = 1) -> Step:
    def step(view: ExecutionView) -> list[Decision]:
        view.latest[task] = replace(view.latest[task], try_number=try_number)
        return apply(view, report(view, task, status))
    return step


def causes(decisions: list[Decision]) -> list[tuple[str, str, str]]:
    """(kind, task, cause) of each decision that carries a cause."""
    return [(type(d).__name__, d.task_name, d.cause) for d in decisions
            if isinstance(d, QueueTask | RetryTask | StopTask)]


RESTART = "rule 1 of task 'task4': RESTART when any of events again"


@pytest.mark.parametrize(("status", "runs", "step", "expected"), [
    pytest.param(WorkflowStatus.INIT, {}, start_execution, [
        ("QueueTask", "task3", "the execution started; 'task3' has no START rule"),
        ("QueueTask", "tick", "the execution started; 'tick' has no START rule")], id="start"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": R}, on_report("task3", S), [
        ("QueueTask", "task4", "rule 2 of task 'task4': START when task statuses task3=SUCCESS")], id="status rule"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": S, "task4": R, "tick": R},
                 lambda view: apply(view, user_event("again")), [
        ("StopTask", "task4", f"{RESTART}; restart: replaced by sequence 2"),
        ("QueueTask", "task4", RESTART)], id="event rule restarts"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": S, "tick": R},
                 lambda view: command_on_task(view, "task4", TaskAction.START), [
        ("QueueTask", "task4", "command: start task")], id="start task command"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": R},
                 lambda view: command_on_task(view, "task3", TaskAction.STOP), [
        ("StopTask", "task3", "command: stop task")], id="stop task command"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": Q}, stop_execution, [
        ("StopTask", "task3", "command: stop execution"),
        ("StopTask", "tick", "command: stop execution")], id="stop execution command"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": R}, lambda view: fire_periodic(view, "tick"), [
        ("StopTask", "tick", "periodic cron@*/5 * * * *; restart: replaced by sequence 2"),
        ("QueueTask", "tick", "periodic cron@*/5 * * * *")], id="periodic"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": R}, on_report("task3", F, try_number=2), [
        ("RetryTask", "task3", "retry 2 of 3 after FAILED")], id="retry"),
    pytest.param(WorkflowStatus.RUNNING, {"task3": R, "tick": S},
                 lambda view: fail_execution(view, "its plan does not load"), [
        ("StopTask", "task3", "the execution failed: its plan does not load")], id="failed execution"),
])
def test_each_start_and_stop_says_why(status: WorkflowStatus, runs: dict[str, TaskStatus], step: Step,
                                      expected: list[tuple[str, str, str]]) -> None:
    view = view_of(pipeline(), status, **runs)

    assert causes(step(view)) == expected


def test_a_retry_after_its_delay_says_which_retry_it_is() -> None:
    view = view_of(pipeline(), task3=TaskStatus.RETRYING, tick=R)
    view.latest["task3"] = replace(view.latest["task3"], try_number=3)

    assert causes(retry_due(view, "task3", 101, 3)) == [("RetryTask", "task3", "retry 3 of 3 after FAILED")]


def test_running_names_the_worker_that_claimed_the_try() -> None:
    view = view_of(pipeline(), task3=Q, tick=R)
    run = view.latest["task3"]
    event = TaskStatusReport("default", EXECUTION_ID, "task3", run.id, 1, R, worker="celery@host-1").to_event("w")

    assert apply(view, event) == [SetTaskStatus(101, "task3", R, worker="celery@host-1")]
