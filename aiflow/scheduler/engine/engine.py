"""Applying one happening to one workflow execution: the task-rule semantics of DESIGN.md §5.

Every function takes an :class:`ExecutionView`, updates it to what the decisions
make true, and returns the decisions in the order they must be written.
"""

from __future__ import annotations

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.scheduler.engine.decisions import (
    Decision,
    QueueTask,
    RecordError,
    RetryTask,
    SetExecutionStatus,
    SetTaskStatus,
    StopTask,
)
from aiflow.scheduler.engine.rules import evaluate_task_rules, waits_for_user_event
from aiflow.scheduler.engine.view import ExecutionView, TaskRun
from aiflow.status_events import TaskStatusReport
from notification.event import Event

_NEW = 0  # id of a task execution the shell has not created yet


def start_execution(view: ExecutionView) -> list[Decision]:
    """Start the execution: queue every task that has no START rule."""
    if view.status != WorkflowStatus.INIT:
        return []
    decisions: list[Decision] = [_set_status(view, WorkflowStatus.RUNNING)]
    for name in view.workflow.initial_task_names():
        decisions += _start(view, name)
    return decisions + settle(view)


def stop_execution(view: ExecutionView) -> list[Decision]:
    """Stop every live task; the execution ends STOPPED once none is live."""
    if view.status.is_finished:
        return []
    view.stop_requested = True
    if view.status == WorkflowStatus.INIT:
        return [_set_status(view, WorkflowStatus.STOPPED)]
    decisions: list[Decision] = []
    for name in list(view.latest):
        decisions += _stop(view, name)
    return decisions + settle(view)


def apply_event(view: ExecutionView, event: Event) -> list[Decision]:
    """Apply an event addressed to this execution (or to its namespace) and return what follows."""
    decisions: list[Decision] = []
    report = TaskStatusReport.from_event(event)
    if report is not None and report.workflow_execution_id == view.id:
        decisions += _record_report(view, report)
    if view.status == WorkflowStatus.RUNNING and not view.stop_requested:
        decisions += _run_rules(view, event)
    return decisions + settle(view)


def act_on_task(view: ExecutionView, task_name: str, action: TaskAction) -> list[Decision]:
    """Take ``action`` on a task by command or periodic firing, as a rule would."""
    if view.status != WorkflowStatus.RUNNING or view.stop_requested or task_name not in view.workflow.tasks:
        return []
    return _act(view, task_name, action) + settle(view)


def retry_due(view: ExecutionView, task_name: str, task_execution_id: int, try_number: int) -> list[Decision]:
    """Queue the next try of a RETRYING task whose retry delay has passed."""
    run = view.latest.get(task_name)
    if run is None or run.id != task_execution_id or run.try_number != try_number:
        return []
    if run.status != TaskStatus.RETRYING:
        return []
    view.latest[task_name] = TaskRun(run.id, task_name, run.sequence_number, try_number + 1, TaskStatus.QUEUED)
    return [RetryTask(run.id, task_name, try_number + 1)]


def settle(view: ExecutionView) -> list[Decision]:
    """End the execution when nothing can happen in it any more (DESIGN.md §5)."""
    if view.status != WorkflowStatus.RUNNING or any(run.is_live for run in view.latest.values()):
        return []
    if view.stop_requested:
        return [_set_status(view, WorkflowStatus.STOPPED)]
    if any(task.periodic_expression is not None for task in view.workflow.tasks.values()):
        return []
    if any(name not in view.latest and waits_for_user_event(view.workflow, name) for name in view.workflow.tasks):
        return []
    failed = any(run.status == TaskStatus.FAILED for run in view.latest.values())
    return [_set_status(view, WorkflowStatus.FAILED if failed else WorkflowStatus.SUCCESS)]


def _record_report(view: ExecutionView, report: TaskStatusReport) -> list[Decision]:
    run = view.latest.get(report.task_name)
    current = run is not None and run.id == report.task_execution_id and run.try_number == report.try_number
    if run is None or not current or run.status.is_finished:
        return []  # a stale report: an earlier try or sequence, or a try already ended
    if report.status == TaskStatus.RUNNING:
        if run.status not in (TaskStatus.QUEUED, TaskStatus.INIT):
            return []
        return [_set_task(view, run, TaskStatus.RUNNING)]
    if report.status == TaskStatus.FAILED and run.status != TaskStatus.STOPPING and _retries_left(view, run):
        retrying: list[Decision] = [_set_task(view, run, TaskStatus.RETRYING, report.error)]
        if not view.workflow.tasks[run.task_name].retry_delay:
            retrying += retry_due(view, run.task_name, run.id, run.try_number)
        return retrying
    return [_set_task(view, run, report.status, report.error)]


def _retries_left(view: ExecutionView, run: TaskRun) -> bool:
    return run.try_number <= view.workflow.tasks[run.task_name].retries


def _run_rules(view: ExecutionView, event: Event) -> list[Decision]:
    decisions: list[Decision] = []
    for name in view.workflow.tasks:
        outcome = evaluate_task_rules(view.workflow, name, event, view.task_statuses(), view.rule_state)
        decisions += [RecordError(message) for message in outcome.errors]
        if outcome.action is not None:
            decisions += _act(view, name, outcome.action)
    return decisions


def _act(view: ExecutionView, name: str, action: TaskAction) -> list[Decision]:
    run = view.latest.get(name)
    if action == TaskAction.START:
        return [] if run is not None and run.is_live else _start(view, name)
    if action == TaskAction.STOP:
        return _stop(view, name)
    if action == TaskAction.RESTART:
        return _stop(view, name, restarting=True) + _start(view, name)
    return []


def _start(view: ExecutionView, name: str) -> list[Decision]:
    previous = view.latest.get(name)
    sequence = previous.sequence_number + 1 if previous else 1
    view.latest[name] = TaskRun(_NEW, name, sequence, 1, TaskStatus.QUEUED)
    return [QueueTask(name, sequence)]


def _stop(view: ExecutionView, name: str, restarting: bool = False) -> list[Decision]:
    """Stop a live task: a queued or retrying one (or one being replaced) ends STOPPED at once."""
    run = view.latest.get(name)
    if run is None or not run.is_live or (run.status == TaskStatus.STOPPING and not restarting):
        return []
    waiting = run.status in (TaskStatus.INIT, TaskStatus.QUEUED, TaskStatus.RETRYING)
    status = TaskStatus.STOPPED if waiting or restarting else TaskStatus.STOPPING
    view.latest[name] = run.with_status(status)
    return [StopTask(run.id, name, run.try_number, status)]


def _set_task(view: ExecutionView, run: TaskRun, status: TaskStatus, error: str | None = None) -> SetTaskStatus:
    view.latest[run.task_name] = run.with_status(status)
    return SetTaskStatus(run.id, run.task_name, status, error)


def _set_status(view: ExecutionView, status: WorkflowStatus) -> SetExecutionStatus:
    view.status = status
    return SetExecutionStatus(status)
