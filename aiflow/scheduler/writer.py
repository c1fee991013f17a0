"""Writing the engine's decisions: task and execution rows, timeline steps, rule state and outbox jobs.

Called inside the transaction that applies a batch of events, so everything
the batch causes commits together with the scheduler's offset, or not at all.
New task executions get their ids when the batch is flushed once at its end;
until then the engine's view refers to them by temporary negative ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.scheduler_state import WorkflowExecutionRuleState
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus
from aiflow.model.timeline import TimelineStep
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
from aiflow.scheduler.metrics import Tally
from aiflow.scheduler.outbox import NewJob, OutboxJob, write_jobs
from aiflow.scheduler.timeline import ABANDONED, Origin, Steps
from aiflow.scheduler.views import LoadedExecution

DEFAULT_QUEUE = "aiflow"


class DecisionWriter:
    """Writes the decisions of one batch; call :meth:`finish` once to get the outbox jobs.

    Begin and end dates are :attr:`at`: the time of the event being applied, which the
    caller sets, so that a replayed event writes the same dates; timeline steps record
    :attr:`at` and :attr:`origin`, the event being applied.
    """

    def __init__(self, session: Session, at: datetime) -> None:
        self._session = session
        self.at = at
        self.origin = Origin()
        self._tasks: dict[int, TaskExecution] = {}  # by id, new ones by temporary negative ids
        self._temporary_ids = count(-1, -1)
        #: (kind, task, execution, try (None: the current one), when its cause happened)
        self._jobs: list[tuple[str, TaskExecution, LoadedExecution, int | None, datetime]] = []
        self._steps = Steps()
        #: Timeline steps :meth:`finish` wrote.
        self.steps_written = 0
        #: Rules' actions, task executions ended and tries lost, for the metrics once the transaction commits.
        self.tally = Tally()

    def keep(self, tasks: dict[int, TaskExecution]) -> None:
        """Hold rows read ahead, by id, for the decisions that will change them."""
        self._tasks.update(tasks)

    def write(self, loaded: LoadedExecution, decisions: Iterable[Decision], execution_type: ExecutionType) -> None:
        """Apply one engine step's decisions about an execution, in order."""
        for decision in decisions:
            self._write_one(loaded, decision, execution_type)
        if loaded.row.stop_requested != loaded.view.stop_requested:  # else the flush would visit the row for nothing
            loaded.row.stop_requested = loaded.view.stop_requested

    def finish(self) -> list[OutboxJob]:
        """Flush the new task executions, write the outbox rows of every job and the timeline; return the jobs."""
        self._session.flush()
        jobs = write_jobs(self._session, [self._job(*job) for job in self._jobs])
        self.steps_written += self._steps.insert(self._session)
        return jobs

    def _write_one(self, loaded: LoadedExecution, decision: Decision, execution_type: ExecutionType) -> None:
        row = loaded.row
        if isinstance(decision, QueueTask):
            self._queue(loaded, decision, execution_type)
        elif isinstance(decision, RetryTask):
            task = self._task(decision.task_execution_id)
            task.try_number, task.status, task.end_date = decision.try_number, TaskStatus.QUEUED.value, None
            self._jobs.append(("start", task, loaded, None, self.at))
            self._step(task, decision.try_number, TimelineStep.RETRIED, decision.cause)
        elif isinstance(decision, StopTask):
            task = self._task(decision.task_execution_id)
            self._set_task(loaded, task, decision.status)
            self._jobs.append(("stop", task, loaded, None, self.at))
            self._step(task, decision.try_number, TimelineStep.STOPPED, decision.cause)
        elif isinstance(decision, AbandonTry):  # its worker was lost: the heartbeat timed out
            self.tally.lost[(loaded.view.namespace, loaded.workflow_name)] += 1
            task = self._task(decision.task_execution_id)
            self._jobs.append(("stop", task, loaded, decision.try_number, self.at))
            self._step(task, decision.try_number, TimelineStep.STOPPED, ABANDONED)
        elif isinstance(decision, SetTaskStatus):
            task = self._task(decision.task_execution_id)
            self._set_task(loaded, task, decision.status, decision.error)
            self._step(task, task.try_number, TimelineStep.STATUS, decision.error, decision.worker)
        elif isinstance(decision, SetExecutionStatus):
            row.status = decision.status.value
            row.begin_date = row.begin_date or self.at
            if decision.status.is_finished:
                row.end_date = self.at
        elif isinstance(decision, RecordError):
            row.error = ((row.error + "\n") if row.error else "") + decision.message
        elif isinstance(decision, RuleFired):
            self.tally.rule_actions[(loaded.view.namespace, loaded.workflow_name, decision.action.value)] += 1

    def _queue(self, loaded: LoadedExecution, decision: QueueTask, execution_type: ExecutionType) -> None:
        view = loaded.view
        task = TaskExecution(
            workflow_execution_id=view.id, task_name=decision.task_name,
            sequence_number=decision.sequence_number, try_number=1,
            execution_type=execution_type.value, status=TaskStatus.QUEUED.value,
        )
        self._session.add(task)
        temporary_id = next(self._temporary_ids)
        self._tasks[temporary_id] = task
        view.latest[decision.task_name] = replace(view.latest[decision.task_name], id=temporary_id)
        self._jobs.append(("start", task, loaded, None, self.at))
        self._step(task, 1, TimelineStep.QUEUED, decision.cause)

    def _step(self, task: TaskExecution, try_number: int, step: TimelineStep, cause: str | None,
              worker: str | None = None) -> None:
        self._steps.add(task, try_number, step, self.at, self.origin, cause, worker)

    def _task(self, task_execution_id: int) -> TaskExecution:
        return self._tasks.get(task_execution_id) or self._session.get_one(TaskExecution, task_execution_id)

    def _set_task(self, loaded: LoadedExecution, task: TaskExecution, status: TaskStatus,
                  error: str | None = None) -> None:
        task.status = status.value
        if status == TaskStatus.RUNNING:
            task.begin_date = self.at
        if status.is_finished or status == TaskStatus.RETRYING:
            task.end_date = self.at
        if status.is_finished:
            ran = max(0.0, (self.at - task.begin_date).total_seconds()) if task.begin_date is not None else None
            self.tally.task_ended(loaded.view.namespace, loaded.workflow_name, status.value, ran)
        if error is not None:
            task.error = error

    def _job(self, kind: str, task: TaskExecution, loaded: LoadedExecution, try_number: int | None,
             caused_at: datetime) -> NewJob:
        view = loaded.view
        try_number = task.try_number if try_number is None else try_number
        planned = view.plan.tasks.get(task.task_name)
        payload: dict[str, Any] = {
            "task_execution_id": task.id, "try_number": try_number,
            "workflow_execution_id": view.id, "namespace": view.namespace,
            "workflow_name": loaded.workflow_name, "task_name": task.task_name,
        }
        if kind == "start":
            payload |= {"snapshot_id": loaded.row.snapshot_id, "sequence_number": task.sequence_number,
                        "caused_at": round(caused_at.timestamp() * 1000)}
        queue = planned.queue if planned is not None and planned.queue else DEFAULT_QUEUE
        return NewJob(kind, task.id, try_number, queue, json.dumps(payload))


def save_rule_state(session: Session, execution_id: int, before: dict[str, bytes], state: dict[str, bytes]) -> None:
    """Write the rule states that changed since ``before`` (what was loaded), deleting those that are gone."""
    for name in before.keys() - state.keys():
        session.delete(session.get_one(WorkflowExecutionRuleState, (execution_id, name)))
    for name, value in state.items():
        if before.get(name) == value:
            continue
        row = session.get(WorkflowExecutionRuleState, (execution_id, name))
        if row is None:
            session.add(WorkflowExecutionRuleState(workflow_execution_id=execution_id, name=name, value=value))
        else:
            row.value = value
