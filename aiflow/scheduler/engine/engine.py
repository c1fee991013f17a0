"""Applying one happening to one workflow execution: the task-rule semantics of DESIGN.md §5.

Every function takes an :class:`ExecutionView`, updates it to what the decisions
make true, and returns the decisions in the order they must be written. Decisions that
start or stop a task carry their cause in words, for the task's timeline.
"""

from __future__ import annotations

from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.scheduler.engine.decisions import (
    AbandonTry,
    Decision,
    QueueTask,
    RecordError,
    RetryTask,
    RuleFired,
    SetExecutionStatus,
    SetTaskStatus,
    StopTask,
)
from aiflow.scheduler.engine.rules import CustomEvaluator, evaluate_task_rules, state_key
from aiflow.scheduler.engine.view import ExecutionView, TaskRun
from aiflow.status_events import TaskStatusReport
from notification.event import Event

_NEW = 0  # id of a task execution the shell has not created yet
STOP_COMMAND = "command: stop execution"


def start_execution(view: ExecutionView) -> list[Decision]:
    """Start the execution: queue every task that has no START rule."""
    if view.status != WorkflowStatus.INIT:
        return []
    decisions: list[Decision] = [_set_status(view, WorkflowStatus.RUNNING)]
    for name in view.plan.initial_task_names():
        decisions += _start(view, name, f"the execution started; {name!r} has no START rule")
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
        decisions += _stop(view, name, STOP_COMMAND)
    return decisions + settle(view)


def fail_execution(view: ExecutionView, error: str) -> list[Decision]:
    """Take the execution out of play: stop its live tasks and end it FAILED with ``error``.

    Reports of the tasks being stopped are still recorded afterwards (see :func:`apply_event`).
    """
    if view.status.is_finished:
        return []
    decisions: list[Decision] = []
    for name in list(view.latest):
        decisions += _stop(view, name, f"the execution failed: {error}")
    return [*decisions, RecordError(error), _set_status(view, WorkflowStatus.FAILED)]


def apply_event(view: ExecutionView, event: Event, custom: CustomEvaluator) -> list[Decision]:
    """Apply an event addressed to this execution (or to its namespace) and return what follows.

    A finished execution only records the reports of its tasks still being stopped.
    """
    decisions: list[Decision] = []
    report = TaskStatusReport.from_event(event)
    if report is not None and report.workflow_execution_id == view.id:
        decisions += _record_report(view, report)
    if view.status == WorkflowStatus.RUNNING and not view.stop_requested:
        decisions += _run_rules(view, event, custom)
    return decisions + settle(view)


def command_on_task(view: ExecutionView, task_name: str, action: TaskAction) -> list[Decision]:
    """Take ``action`` on a task by a user's command, as a rule would."""
    return _act_on_task(view, task_name, action, f"command: {action.value.lower()} task")


def fire_periodic(view: ExecutionView, task_name: str) -> list[Decision]:
    """Restart a periodic task whose expression fired."""
    task = view.plan.tasks.get(task_name)
    return [] if task is None else _act_on_task(view, task_name, TaskAction.RESTART, f"periodic {task.periodic}")


def retry_due(view: ExecutionView, task_name: str, task_execution_id: int, try_number: int) -> list[Decision]:
    """Queue the next try of a RETRYING task whose retry delay has passed."""
    run = view.latest.get(task_name)
    if run is None or run.id != task_execution_id or run.try_number != try_number:
        return []
    if run.status != TaskStatus.RETRYING:
        return []
    view.latest[task_name] = TaskRun(run.id, task_name, run.sequence_number, try_number + 1, TaskStatus.QUEUED)
    task = view.plan.tasks.get(task_name)
    retries = task.retries if task is not None else try_number
    return [RetryTask(run.id, task_name, try_number + 1, f"retry {try_number} of {retries} after FAILED")]


def settle(view: ExecutionView) -> list[Decision]:
    """End the execution when nothing can happen in it any more (DESIGN.md §5)."""
    if view.status != WorkflowStatus.RUNNING or view.has_live_task:
        return []
    if view.stop_requested:
        return [_set_status(view, WorkflowStatus.STOPPED)]
    if view.plan.has_periodic_task:
        return []
    if any(name not in view.latest for name in view.plan.user_event_waiters):
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
        return [_set_task(view, run, TaskStatus.RUNNING, worker=report.worker)]
    decisions: list[Decision] = [AbandonTry(run.id, run.task_name, run.try_number)] if report.lost else []
    if report.status == TaskStatus.FAILED and _may_retry(view, run):
        decisions.append(_set_task(view, run, TaskStatus.RETRYING, report.error))
        if not view.plan.tasks[run.task_name].retry_delay:
            decisions += retry_due(view, run.task_name, run.id, run.try_number)
        return decisions
    return [*decisions, _set_task(view, run, report.status, report.error)]


def _may_retry(view: ExecutionView, run: TaskRun) -> bool:
    """Whether a failed try gets another: retries left, and neither the task nor its execution is being ended."""
    task = view.plan.tasks.get(run.task_name)
    ending = run.status == TaskStatus.STOPPING or view.status != WorkflowStatus.RUNNING or view.stop_requested
    return task is not None and not ending and run.try_number <= task.retries


def _run_rules(view: ExecutionView, event: Event, custom: CustomEvaluator) -> list[Decision]:
    """Run every task's rules in order; a failing condition undoes the event's actions and fails the execution.

    Only the tasks whose rules see the event can change, so only their runs and rule states are kept
    for the undo: an event costs the same however many tasks the execution has.
    """
    statuses = view.task_statuses()
    saved: list[tuple[str, TaskRun | None, dict[str, bytes | None]]] = []
    decisions: list[Decision] = []
    for name in view.plan.tasks_expecting(event.key):
        saved.append((name, view.latest.get(name), {key: view.rule_state.get(key) for key in _state_keys(view, name)}))
        outcome = evaluate_task_rules(view.plan, view.namespace, name, event, statuses, view.rule_state, custom)
        if outcome.error is not None:
            for task_name, run, states in reversed(saved):
                view.latest.restore(task_name, run)
                for key, state in states.items():
                    _put_state(view.rule_state, key, state)
            return fail_execution(view, outcome.error)
        if outcome.action is not None and (acted := _act(view, name, outcome.action, outcome.cause)):
            decisions += [RuleFired(name, outcome.action), *acted]
    return decisions


def _state_keys(view: ExecutionView, task_name: str) -> list[str]:
    return [state_key(task_name, index) for index in range(len(view.plan.task_rules(task_name)))]


def _put_state(rule_state: dict[str, bytes], key: str, state: bytes | None) -> None:
    if state is None:
        rule_state.pop(key, None)
    else:
        rule_state[key] = state


def _act_on_task(view: ExecutionView, task_name: str, action: TaskAction, cause: str) -> list[Decision]:
    if view.status != WorkflowStatus.RUNNING or view.stop_requested or task_name not in view.plan.tasks:
        return []
    return _act(view, task_name, action, cause) + settle(view)


def _act(view: ExecutionView, name: str, action: TaskAction, cause: str) -> list[Decision]:
    run = view.latest.get(name)
    if action == TaskAction.START:
        return [] if run is not None and run.is_live else _start(view, name, cause)
    if action == TaskAction.STOP:
        return _stop(view, name, cause)
    if action == TaskAction.RESTART:
        return _stop(view, name, cause, restarting=True) + _start(view, name, cause)
    return []


def _start(view: ExecutionView, name: str, cause: str) -> list[Decision]:
    previous = view.latest.get(name)
    sequence = previous.sequence_number + 1 if previous else 1
    view.latest[name] = TaskRun(_NEW, name, sequence, 1, TaskStatus.QUEUED)
    return [QueueTask(name, sequence, cause)]


def _stop(view: ExecutionView, name: str, cause: str, restarting: bool = False) -> list[Decision]:
    """Stop a live task: a queued or retrying one (or one being replaced) ends STOPPED at once."""
    run = view.latest.get(name)
    if run is None or not run.is_live or (run.status == TaskStatus.STOPPING and not restarting):
        return []
    waiting = run.status in (TaskStatus.INIT, TaskStatus.QUEUED, TaskStatus.RETRYING)
    status = TaskStatus.STOPPED if waiting or restarting else TaskStatus.STOPPING
    view.latest[name] = run.with_status(status)
    if restarting:
        cause = f"{cause}; restart: replaced by sequence {run.sequence_number + 1}"
    return [StopTask(run.id, name, run.try_number, status, cause)]


def _set_task(view: ExecutionView, run: TaskRun, status: TaskStatus, error: str | None = None,
              worker: str | None = None) -> SetTaskStatus:
    view.latest[run.task_name] = run.with_status(status)
    return SetTaskStatus(run.id, run.task_name, status, error, worker)


def _set_status(view: ExecutionView, status: WorkflowStatus) -> SetExecutionStatus:
    view.status = status
    return SetExecutionStatus(status)
