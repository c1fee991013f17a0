"""Writing the engine's decisions: task and execution rows, rule state and outbox jobs.

Called inside the transaction that applies an event, so everything one event
causes commits together with the scheduler's offset, or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

import cloudpickle
from sqlalchemy import select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.scheduler_state import JobOutbox, WorkflowExecutionRuleState
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus
from aiflow.scheduler.engine.decisions import (
    Decision,
    QueueTask,
    RecordError,
    RetryTask,
    SetExecutionStatus,
    SetTaskStatus,
    StopTask,
)
from aiflow.scheduler.engine.view import ExecutionView

DEFAULT_QUEUE = "aiflow"


class DecisionWriter:
    """Writes the decisions about one execution; ``view`` gets the ids of the rows it creates."""

    def __init__(self, session: Session, view: ExecutionView, now: datetime,
                 execution_type: ExecutionType = ExecutionType.EVENT) -> None:
        self._session = session
        self._view = view
        self._now = now
        self._execution_type = execution_type
        self._row = session.get_one(WorkflowExecution, view.id)
        self._workflow_name = session.scalars(
            select(WorkflowRow.name).where(WorkflowRow.id == self._row.workflow_id)).one()

    def write(self, decisions: Iterable[Decision]) -> list[JobOutbox]:
        """Apply ``decisions`` in order; return the outbox rows written (sent after commit)."""
        jobs: list[JobOutbox] = []
        for decision in decisions:
            job = self._write_one(decision)
            if job is not None:
                jobs.append(job)
        self._row.stop_requested = self._view.stop_requested
        return jobs

    def _write_one(self, decision: Decision) -> JobOutbox | None:
        if isinstance(decision, QueueTask):
            return self._queue(decision)
        if isinstance(decision, RetryTask):
            task = self._session.get_one(TaskExecution, decision.task_execution_id)
            task.try_number, task.status, task.end_date = decision.try_number, TaskStatus.QUEUED.value, None
            return self._job("start", task)
        if isinstance(decision, StopTask):
            task = self._session.get_one(TaskExecution, decision.task_execution_id)
            self._set_task(task, decision.status)
            return self._job("stop", task)
        if isinstance(decision, SetTaskStatus):
            self._set_task(self._session.get_one(TaskExecution, decision.task_execution_id),
                           decision.status, decision.error)
        elif isinstance(decision, SetExecutionStatus):
            self._row.status = decision.status.value
            self._row.begin_date = self._row.begin_date or self._now
            if decision.status.is_finished:
                self._row.end_date = self._now
        elif isinstance(decision, RecordError):
            self._row.error = ((self._row.error + "\n") if self._row.error else "") + decision.message
        return None

    def _queue(self, decision: QueueTask) -> JobOutbox:
        task = TaskExecution(
            workflow_execution_id=self._view.id, task_name=decision.task_name,
            sequence_number=decision.sequence_number, try_number=1,
            execution_type=self._execution_type.value, status=TaskStatus.QUEUED.value,
        )
        self._session.add(task)
        self._session.flush()
        run = self._view.latest[decision.task_name]
        self._view.latest[decision.task_name] = replace(run, id=task.id)
        return self._job("start", task)

    def _set_task(self, task: TaskExecution, status: TaskStatus, error: str | None = None) -> None:
        task.status = status.value
        if status == TaskStatus.RUNNING:
            task.begin_date = self._now
        if status.is_finished or status == TaskStatus.RETRYING:
            task.end_date = self._now
        if error is not None:
            task.error = error

    def _job(self, kind: str, task: TaskExecution) -> JobOutbox:
        operator = self._view.workflow.tasks[task.task_name]
        payload: dict[str, Any] = {
            "task_execution_id": task.id, "try_number": task.try_number,
            "workflow_execution_id": self._view.id, "namespace": self._view.namespace,
            "workflow_name": self._workflow_name, "task_name": task.task_name,
        }
        if kind == "start":
            payload |= {"snapshot_id": self._row.snapshot_id, "sequence_number": task.sequence_number}
        job = JobOutbox(kind=kind, task_execution_id=task.id, try_number=task.try_number,
                        queue=operator.queue or DEFAULT_QUEUE, payload=json.dumps(payload))
        self._session.add(job)
        return job


def save_rule_state(session: Session, execution_id: int, before: dict[str, bytes],
                    state: dict[str, dict[str, Any]]) -> None:
    """Write the rule states that changed since ``before`` (their pickled values when loaded)."""
    for name, values in state.items():
        blob = cloudpickle.dumps(values)
        if before.get(name) == blob:
            continue
        row = session.get(WorkflowExecutionRuleState, (execution_id, name))
        if row is None:
            session.add(WorkflowExecutionRuleState(workflow_execution_id=execution_id, name=name, value=blob))
        else:
            row.value = blob
