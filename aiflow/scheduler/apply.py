"""Applying a batch of events in one transaction: state changes, rule state, outbox, offset.

Events at or below the stored offset were applied before a crash and are
skipped, so replaying the log changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import cloudpickle
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.errors import InvalidInputError
from aiflow.metadata import checkpoint
from aiflow.metadata.decision_writer import DecisionWriter, save_rule_state
from aiflow.metadata.execution_views import SnapshotCache, load_view
from aiflow.metadata.executions import WorkflowExecution
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import WorkflowStatus
from aiflow.scheduler.engine import engine
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.scheduler.routing import ExecutionRouter
from notification.event import Event

logger = logging.getLogger(__name__)


class Batch:
    """The views loaded while one transaction applies events, and the jobs it wrote."""

    def __init__(self, session: Session, snapshots: SnapshotCache, now: datetime) -> None:
        self.session = session
        self.now = now
        self._snapshots = snapshots
        self._views: dict[int, ExecutionView] = {}
        self._state_before: dict[int, dict[str, bytes]] = {}
        self.jobs: list[JobOutbox] = []

    def view(self, execution_id: int) -> ExecutionView | None:
        """Return the execution's view, loading it once per batch."""
        if execution_id not in self._views:
            view = load_view(self.session, execution_id, self._snapshots)
            if view is None:
                return None
            self._views[execution_id] = view
            self._state_before[execution_id] = {k: cloudpickle.dumps(v) for k, v in view.rule_state.items()}
        return self._views[execution_id]

    def write(self, view: ExecutionView, decisions: list[Decision], execution_type: ExecutionType) -> None:
        """Write one engine step's decisions about ``view``."""
        if decisions:
            self.jobs += DecisionWriter(self.session, view, self.now, execution_type).write(decisions)

    def save_rule_states(self) -> None:
        for execution_id, view in self._views.items():
            save_rule_state(self.session, execution_id, self._state_before[execution_id], view.rule_state)


class Applier:
    """Applies events to the metadata database, exactly once, in log order."""

    def __init__(self, engine_: Engine, clock: Callable[[], datetime]) -> None:
        self._engine = engine_
        self._clock = clock
        self._snapshots = SnapshotCache()
        self.router = ExecutionRouter()

    def recover(self) -> int:
        """Rebuild the routing index from the database; return the offset to resume after."""
        with session_scope(self._engine) as session:
            self.router.rebuild(session, self._snapshots)
            return checkpoint.last_applied_offset(session)

    def apply(self, events: list[Event]) -> list[int]:
        """Apply ``events`` (ascending offsets) in one transaction; return the outbox ids to send."""
        with session_scope(self._engine) as session:
            applied = checkpoint.last_applied_offset(session)
            batch = Batch(session, self._snapshots, self._clock())
            fresh = [event for event in events if (event.offset or 0) > applied]
            for event in fresh:
                self._apply_one(batch, event)
            if fresh:
                batch.save_rule_states()
                checkpoint.advance(session, fresh[-1].offset or 0)
            session.flush()
            return [job.id for job in batch.jobs]

    def _apply_one(self, batch: Batch, event: Event) -> None:
        if event.key == COMMAND_EVENT_KEY:
            try:
                command = Command.from_event(event)
            except InvalidInputError as exc:
                logger.warning("Scheduler: skipped %s", exc)
                return
            self._apply_command(batch, command)
            return
        for execution_id in self.router.targets(event):
            self._step(batch, execution_id, lambda view: engine.apply_event(view, event), ExecutionType.EVENT)

    def _apply_command(self, batch: Batch, command: Command) -> None:
        kind, execution_id = command.kind, command.workflow_execution_id
        if kind == CommandKind.START_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.start_execution, ExecutionType.MANUAL)
        elif kind == CommandKind.STOP_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.stop_execution, ExecutionType.MANUAL)
        elif kind == CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS and command.workflow_id is not None:
            for running in _running_of_workflow(batch.session, command.workflow_id):
                self._step(batch, running, engine.stop_execution, ExecutionType.MANUAL)
        elif kind in _TASK_COMMANDS and execution_id is not None and command.task_name:
            action, task = _TASK_COMMANDS[kind], command.task_name
            self._step(batch, execution_id, lambda view: engine.act_on_task(view, task, action), ExecutionType.MANUAL)

    def _step(self, batch: Batch, execution_id: int, step: Callable[[ExecutionView], list[Decision]],
              execution_type: ExecutionType) -> None:
        view = batch.view(execution_id)
        if view is None:
            logger.warning("Scheduler: no workflow execution %s; event skipped", execution_id)
            return
        decisions = step(view)
        batch.write(view, decisions, execution_type)
        self.router.track(view)
        if decisions:
            logger.info("Scheduler: execution=%s %s", execution_id, decisions)


_TASK_COMMANDS = {CommandKind.START_TASK_EXECUTION: TaskAction.START, CommandKind.STOP_TASK_EXECUTION: TaskAction.STOP}


def _running_of_workflow(session: Session, workflow_id: int) -> list[int]:
    query = select(WorkflowExecution.id).where(
        WorkflowExecution.workflow_id == workflow_id,
        WorkflowExecution.status.in_([WorkflowStatus.INIT.value, WorkflowStatus.RUNNING.value]),
    )
    return list(session.scalars(query.order_by(WorkflowExecution.id)))
