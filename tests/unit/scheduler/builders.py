"""Building workflows, views and events for the engine's tests.

Custom conditions are evaluated in this process, by the function the evaluator process runs
(:func:`aiflow.evaluator.child.evaluate`): these tests are about the rules, not the sandbox.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from itertools import count

from aiflow.evaluator.child import evaluate
from aiflow.loader.describe import describe_workflow
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.plan import CustomCondition
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.engine.engine import apply_event
from aiflow.scheduler.engine.rules import Verdict
from aiflow.scheduler.engine.view import ExecutionView, TaskRun, TaskRuns
from aiflow.status_events import TaskStatusReport
from notification.event import Event

EXECUTION_ID = 7
_offsets = count(1)


def view_of(workflow: Workflow, status: WorkflowStatus = WorkflowStatus.RUNNING,
            **runs: TaskStatus) -> ExecutionView:
    """An execution of ``workflow`` whose tasks' latest runs have the given statuses (ids 101, 102, ...)."""
    latest = TaskRuns({name: TaskRun(100 + i, name, 1, 1, status) for i, (name, status) in enumerate(runs.items(), 1)})
    return ExecutionView(EXECUTION_ID, "default", describe_workflow(workflow), status, latest)


def in_process(namespace: str, condition: CustomCondition, event: Event, statuses: Mapping[str, TaskStatus],
               state: bytes | None) -> Verdict:
    """Evaluate a custom condition here, as the evaluator process would."""
    try:
        met, new_state = evaluate(condition.code, event, dict(statuses), state)
    except Exception:
        return Verdict(False, state, traceback.format_exc())
    return Verdict(met, new_state)


def apply(view: ExecutionView, event: Event) -> list[Decision]:
    """Apply ``event`` with custom conditions evaluated in this process."""
    return apply_event(view, event, in_process)


def report(view: ExecutionView, task: str, status: TaskStatus, execution_id: int = EXECUTION_ID,
           error: str | None = None) -> Event:
    """The event a worker sends when the latest try of ``task`` reaches ``status``."""
    run = view.latest[task]
    event = TaskStatusReport("default", execution_id, task, run.id, run.try_number, status, error).to_event("w")
    event.offset = next(_offsets)
    return event


def user_event(key: str, value: str | None = None) -> Event:
    return Event(key=key, value=value, offset=next(_offsets))
