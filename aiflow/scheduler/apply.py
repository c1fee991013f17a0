"""Applying a batch of events in one transaction: state changes, rule state, outbox, offset.

Events at or below the stored offset were applied before a crash and are
skipped, so replaying the log changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import cloudpickle
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.errors import AIFlowError, InvalidInputError
from aiflow.metadata import checkpoint, outbox
from aiflow.metadata.decision_writer import DecisionWriter, save_rule_state
from aiflow.metadata.execution_views import LoadedExecution, SnapshotCache, load_executions
from aiflow.metadata.executions import WorkflowExecution
from aiflow.metadata.outbox import OutboxJob
from aiflow.metadata.queries import timers
from aiflow.metadata.queries.executions import create_execution
from aiflow.metadata.queries.workflows import get_workflow_by_id
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import WorkflowStatus
from aiflow.scheduler import timer_events
from aiflow.scheduler.engine import engine
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.scheduler.routing import ExecutionRouter
from aiflow.scheduler.triggers import TriggerSet
from notification.event import Event

logger = logging.getLogger(__name__)


class Batch:
    """The views loaded while one transaction applies events, and the jobs it wrote."""

    def __init__(self, session: Session, snapshots: SnapshotCache, now: datetime) -> None:
        self.session = session
        self.now = now
        self._snapshots = snapshots
        self._loaded: dict[int, LoadedExecution] = {}
        self._state_before: dict[int, dict[str, bytes]] = {}
        self._writer = DecisionWriter(session, now)

    def preload(self, execution_ids: set[int]) -> None:
        """Load the executions not loaded yet among ``execution_ids``, all with the same few queries."""
        missing = execution_ids - self._loaded.keys()
        for execution_id, loaded in load_executions(self.session, missing, self._snapshots).items():
            self._loaded[execution_id] = loaded
            state = loaded.view.rule_state
            self._state_before[execution_id] = {name: cloudpickle.dumps(value) for name, value in state.items()}

    def load(self, execution_id: int) -> LoadedExecution | None:
        """Return the execution with its view, loading it once per batch."""
        if execution_id not in self._loaded:
            self.preload({execution_id})
        return self._loaded.get(execution_id)

    def happened_at(self, event: Event) -> None:
        """Date what the next steps write with ``event``'s time on the bus (the batch's time if it has none)."""
        self._writer.at = datetime.fromtimestamp(event.create_time / 1000, UTC) if event.create_time else self.now

    def write(self, loaded: LoadedExecution, decisions: list[Decision], execution_type: ExecutionType) -> None:
        """Write one engine step's decisions about an execution."""
        if decisions:
            self._writer.write(loaded, decisions, execution_type)

    def finish(self) -> list[OutboxJob]:
        """Write the changed rule states and the outbox; return the jobs to send after commit."""
        for execution_id, loaded in self._loaded.items():
            save_rule_state(self.session, execution_id, self._state_before[execution_id], loaded.view.rule_state)
        return self._writer.finish()


class Applier:
    """Applies events to the metadata database, exactly once, in log order."""

    def __init__(self, engine_: Engine, clock: Callable[[], datetime], snapshots: SnapshotCache) -> None:
        self._engine = engine_
        self._clock = clock
        self._snapshots = snapshots
        self.router = ExecutionRouter()
        self.triggers = TriggerSet()
        #: The lease's fencing token; every commit is refused once a newer one has committed.
        self.fencing_token: int | None = None

    def recover(self) -> int:
        """Rebuild the routing indexes from the database; return the offset to resume after."""
        with session_scope(self._engine) as session:
            self.router.rebuild(session, self._snapshots)
            self.triggers.rebuild(session)
            return checkpoint.last_applied_offset(session)

    def apply(self, events: list[Event], sent_jobs: Sequence[int] = ()) -> list[OutboxJob]:
        """Apply ``events`` (ascending offsets) in one transaction; return the outbox jobs to send.

        The same transaction marks ``sent_jobs`` sent: jobs the broker has accepted since the last one.
        """
        with session_scope(self._engine) as session:
            if self.fencing_token is not None:
                checkpoint.fence(session, self.fencing_token)
            applied = checkpoint.last_applied_offset(session)
            batch = Batch(session, self._snapshots, self._clock())
            outbox.mark_sent(session, sent_jobs, batch.now)
            fresh = [(event, _parse(event)) for event in events if (event.offset or 0) > applied]
            batch.preload(self._concerned([happening for _, happening in fresh]))
            for event, happening in fresh:
                self._apply_one(batch, event, happening)
            jobs = batch.finish()
            if fresh:
                checkpoint.advance(session, fresh[-1][0].offset or 0)
            return jobs

    def _concerned(self, happenings: list[Happening | None]) -> set[int]:
        """Return the executions that happenings name, or that the router sends them to before the batch."""
        ids: set[int] = set()
        for happening in happenings:
            if isinstance(happening, Event):
                ids.update(self.router.targets(happening))
            elif isinstance(happening, _NAMING_AN_EXECUTION) and happening.workflow_execution_id is not None:
                ids.add(happening.workflow_execution_id)
        return ids

    def _apply_one(self, batch: Batch, event: Event, happening: Happening | None) -> None:
        batch.happened_at(event)
        if isinstance(happening, Command):
            self._apply_command(batch, happening)
        elif isinstance(happening, Event):
            for execution_id in self.router.targets(event):
                self._step(batch, execution_id, lambda view: engine.apply_event(view, event), ExecutionType.EVENT)
            for workflow_id in self.triggers.fired(batch.session, event):
                self._start_new(batch, workflow_id, ExecutionType.EVENT, event)
        elif happening is not None:
            self._apply_timer(batch, happening, event)

    def _apply_timer(self, batch: Batch, timer: timer_events.TimerEvent, event: Event) -> None:
        if isinstance(timer, timer_events.ScheduleTick):
            workflow_id = timers.claim_schedule_tick(batch.session, timer.schedule_id, timer.due)
            if workflow_id is not None:
                self._start_new(batch, workflow_id, ExecutionType.PERIODIC, event)
        elif isinstance(timer, timer_events.PeriodicTick):
            if timers.record_periodic_due(batch.session, timer.workflow_execution_id, timer.task_name, timer.due):
                task = timer.task_name
                self._step(batch, timer.workflow_execution_id,
                           lambda view: engine.act_on_task(view, task, TaskAction.RESTART), ExecutionType.PERIODIC)
        else:
            retry = timer
            self._step(batch, retry.workflow_execution_id, lambda view: engine.retry_due(
                view, retry.task_name, retry.task_execution_id, retry.try_number), ExecutionType.EVENT)

    def _start_new(self, batch: Batch, workflow_id: int, execution_type: ExecutionType, event: Event) -> None:
        """Create and start an execution of a workflow's current snapshot (schedule tick or trigger)."""
        try:
            execution = create_execution(batch.session, get_workflow_by_id(batch.session, workflow_id), execution_type)
        except AIFlowError as exc:
            logger.info("Scheduler: not starting workflow %s: %s", workflow_id, exc)
            return
        execution.event_offset = event.offset
        self._step(batch, execution.id, engine.start_execution, execution_type)

    def _apply_command(self, batch: Batch, command: Command) -> None:
        kind, execution_id = command.kind, command.workflow_execution_id
        if kind == CommandKind.START_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.start_execution, ExecutionType.MANUAL)
        elif kind == CommandKind.STOP_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.stop_execution, ExecutionType.MANUAL)
        elif kind == CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS and command.workflow_id is not None:
            for running in _running_of_workflow(batch.session, command.workflow_id):
                self._step(batch, running, engine.stop_execution, ExecutionType.MANUAL)
        elif kind in (CommandKind.WORKFLOW_CHANGED, CommandKind.TRIGGERS_CHANGED) and command.workflow_id:
            self.triggers.refresh_workflow(batch.session, command.workflow_id)
        elif kind in _TASK_COMMANDS and execution_id is not None and command.task_name:
            action, task = _TASK_COMMANDS[kind], command.task_name
            self._step(batch, execution_id, lambda view: engine.act_on_task(view, task, action), ExecutionType.MANUAL)

    def _step(self, batch: Batch, execution_id: int, step: Callable[[ExecutionView], list[Decision]],
              execution_type: ExecutionType) -> None:
        loaded = batch.load(execution_id)
        if loaded is None:
            logger.warning("Scheduler: no workflow execution %s; event skipped", execution_id)
            return
        decisions = step(loaded.view)
        batch.write(loaded, decisions, execution_type)
        self.router.track(loaded.view)
        if decisions:
            logger.info("Scheduler: execution=%s %s", execution_id, decisions)


#: What an event asks of the scheduler: a command, a timer, or (the event itself) a plain event for the rules.
Happening = Command | timer_events.TimerEvent | Event

_NAMING_AN_EXECUTION = (Command, timer_events.PeriodicTick, timer_events.RetryDue)


def _parse(event: Event) -> Happening | None:
    """Return what ``event`` asks for; None (logged) when it is malformed."""
    try:
        if event.key == COMMAND_EVENT_KEY:
            return Command.from_event(event)
        return timer_events.from_event(event) or event
    except (InvalidInputError, TypeError, ValueError) as exc:
        logger.warning("Scheduler: skipped malformed event at offset %s: %s", event.offset, exc)
        return None


_TASK_COMMANDS = {CommandKind.START_TASK_EXECUTION: TaskAction.START, CommandKind.STOP_TASK_EXECUTION: TaskAction.STOP}


def _running_of_workflow(session: Session, workflow_id: int) -> list[int]:
    query = select(WorkflowExecution.id).where(
        WorkflowExecution.workflow_id == workflow_id,
        WorkflowExecution.status.in_([WorkflowStatus.INIT.value, WorkflowStatus.RUNNING.value]),
    )
    return list(session.scalars(query.order_by(WorkflowExecution.id)))
