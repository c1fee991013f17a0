"""Applying a batch of events in one transaction: state changes, rule state, outbox, offset.

Events at or below the stored offset were applied before a crash and are
skipped, so replaying the log changes nothing. A batch that fails for a reason
other than an outage is applied again event by event, and the one thing to blame
(an execution, a trigger, a schedule, or the event itself) is quarantined
(:mod:`aiflow.scheduler.quarantine`); everything else applies once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aiflow.commands import Command, CommandKind
from aiflow.errors import AIFlowError, InvalidInputError
from aiflow.metadata import checkpoint
from aiflow.metadata.definitions import WorkflowSchedule
from aiflow.metadata.queries import timers
from aiflow.metadata.queries.executions import create_execution, unfinished_execution_ids
from aiflow.metadata.queries.workflows import get_workflow_by_id
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import WorkflowStatus
from aiflow.scheduler import quarantine, timer_events
from aiflow.scheduler.announce import Changes
from aiflow.scheduler.batch import Batch
from aiflow.scheduler.engine import engine
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.engine.rules import CustomEvaluator
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.scheduler.faults import is_transient
from aiflow.scheduler.happenings import (
    NAMING_AN_EXECUTION,
    Happening,
    LogEntry,
    Rejection,
    offset_of,
    parse,
    record_rejection,
)
from aiflow.scheduler.metrics import SchedulerMetrics
from aiflow.scheduler.outbox import OutboxJob
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.routing import ExecutionRouter
from aiflow.scheduler.scope import EXECUTION, SCHEDULE, TRIGGER, Scope
from aiflow.scheduler.triggers import TriggerSet
from aiflow.scheduler.views import LoadedExecution
from aiflow.status_events import TaskStatusReport
from notification.event import Event

logger = logging.getLogger(__name__)

class _TrialOver(Exception):
    """Ends a trial transaction, which is rolled back whatever it did."""


class Applier:
    """Applies events to the metadata database, exactly once, in log order."""

    def __init__(self, engine_: Engine, clock: Callable[[], datetime], plans: PlanCache,
                 custom: CustomEvaluator, metrics: SchedulerMetrics | None = None) -> None:
        self._engine = engine_
        self._metrics = metrics or SchedulerMetrics()
        self._clock = clock
        self._plans = plans
        self._custom = custom
        self.router = ExecutionRouter()
        self.triggers = TriggerSet()
        #: The lease's fencing token; every commit is refused once a newer one has committed.
        self.fencing_token: int | None = None
        self._changes = Changes()

    def take_changes(self) -> Changes:
        """Return what the transactions committed since the last call changed, to announce."""
        changes, self._changes = self._changes, Changes()
        return changes

    def recover(self) -> int:
        """Rebuild the routing indexes from the database; return the offset to resume after.

        Executions in play whose plan cannot be read are failed now, and unreadable triggers marked broken.
        """
        with session_scope(self._engine) as session:
            self._fence(session)
            self.router.rebuild(session, self._plans)
            self.triggers.rebuild(session)
            batch = Batch(session, self._plans, self._clock(), Scope())
            batch.preload({execution_id for execution_id, _ in self.router.broken})
            for execution_id, namespace in self.router.broken:
                self._step(batch, execution_id, lambda view: [], ExecutionType.EVENT, namespace)
            batch.finish()
            offset = checkpoint.last_applied_offset(session)
        self._committed(batch)
        return offset

    def apply(self, entries: list[LogEntry], sent_jobs: Sequence[int] = ()) -> list[OutboxJob]:
        """Apply ``entries`` (ascending offsets) in one transaction; return the outbox jobs to send.

        The same transaction marks ``sent_jobs`` sent: jobs the broker has accepted since the last one.
        If the batch fails for a reason other than an outage, it is applied event by event instead.
        """
        try:
            return self.transaction(entries, sent_jobs, Scope())
        except checkpoint.FencedOut:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise
            logger.exception("Scheduler: a batch of %s events failed; applying them one by one", len(entries))
            self.recover()
            return quarantine.apply_singly(self, entries, sent_jobs)

    def transaction(self, entries: Sequence[LogEntry], sent_jobs: Sequence[int], scope: Scope,
                    trial: bool = False) -> list[OutboxJob]:
        """Apply ``entries`` within ``scope`` in one transaction; a ``trial`` is rolled back.

        The in-memory indexes follow what was applied: after a trial or a failure, :meth:`recover`.
        """
        try:
            with session_scope(self._engine) as session:
                self._fence(session)
                applied = checkpoint.last_applied_offset(session)
                batch = Batch(session, self._plans, self._clock(), scope)
                batch.mark_sent(sent_jobs)
                fresh = [(entry, parse(entry)) for entry in entries if offset_of(entry) > applied]
                if not scope.isolating:
                    happenings = [happening for _, happening in fresh]
                    batch.preload(self._concerned(happenings), _reported_tasks(happenings))
                for entry, happening in fresh:
                    self._apply_one(batch, entry, happening)
                jobs = batch.finish()
                if fresh:
                    checkpoint.advance(session, offset_of(fresh[-1][0]))
                if trial:
                    raise _TrialOver
        except _TrialOver:
            return []
        self._committed(batch)
        return jobs

    def reject(self, entry: LogEntry, error: str, executions: Sequence[int], sent_jobs: Sequence[int]) -> None:
        """The last resort: record the entry as rejected, fail ``executions`` row by row, advance past it."""
        with session_scope(self._engine) as session:
            self._fence(session)
            batch = Batch(session, self._plans, self._clock(), Scope())
            batch.mark_sent(sent_jobs)
            if offset_of(entry) > checkpoint.last_applied_offset(session):
                record_rejection(session, entry, error)
                for execution_id in executions:
                    batch.fail_rows(execution_id, self.router.namespace_of(execution_id), error)
                checkpoint.advance(session, offset_of(entry))
            batch.finish()
        self._committed(batch)

    def _committed(self, batch: Batch) -> None:
        """Keep what a committed transaction changed, to announce, and count it."""
        self._changes.update(batch.changes)
        self._metrics.committed(batch.tally)

    def _fence(self, session: Session) -> None:
        if self.fencing_token is not None:
            checkpoint.fence(session, self.fencing_token)

    def _concerned(self, happenings: list[Happening]) -> set[int]:
        """Return the executions that happenings name, or that the router sends them to before the batch."""
        ids: set[int] = set()
        for happening in happenings:
            if isinstance(happening, Event):
                ids.update(self.router.targets(happening))
            elif isinstance(happening, NAMING_AN_EXECUTION) and happening.workflow_execution_id is not None:
                ids.add(happening.workflow_execution_id)
        return ids

    def _apply_one(self, batch: Batch, entry: LogEntry, happening: Happening) -> None:
        batch.happened_at(entry)
        if isinstance(happening, Rejection):
            logger.warning("Scheduler: rejected the entry at offset %s: %s", offset_of(entry), happening.reason)
            record_rejection(batch.session, entry, happening.reason)
            return
        assert isinstance(entry, Event)
        if isinstance(happening, Command):
            self._apply_command(batch, happening, entry)
        elif isinstance(happening, Event):
            custom = self._custom
            for execution_id in self.router.targets(entry):
                self._step(batch, execution_id, lambda view: engine.apply_event(view, entry, custom),
                           ExecutionType.EVENT, entry.namespace)
            for trigger_id, workflow_id in self.triggers.fired(batch.session, entry, custom, batch.scope):
                with batch.scope.unit(TRIGGER, trigger_id):
                    self._start_new(batch, workflow_id, ExecutionType.EVENT, entry)
        else:
            self._apply_timer(batch, happening, entry)

    def _apply_timer(self, batch: Batch, timer: timer_events.TimerEvent, event: Event) -> None:
        if isinstance(timer, timer_events.ScheduleTick | timer_events.ScheduleFault):
            self._apply_schedule(batch, timer, event)
        elif not isinstance(timer, timer_events.PeriodicTick) or timers.record_periodic_due(
                batch.session, timer.workflow_execution_id, timer.task_name, timer.due):
            execution_type = ExecutionType.PERIODIC if isinstance(timer, timer_events.PeriodicTick) else \
                ExecutionType.EVENT
            self._step(batch, timer.workflow_execution_id, _timer_step(timer), execution_type, event.namespace)

    def _apply_schedule(self, batch: Batch, timer: timer_events.ScheduleTick | timer_events.ScheduleFault,
                        event: Event) -> None:
        schedule_id = timer.schedule_id
        if not batch.scope.allows(SCHEDULE, schedule_id):
            return
        with batch.scope.unit(SCHEDULE, schedule_id):
            schedule = batch.session.get(WorkflowSchedule, schedule_id)
            if schedule is None or get_workflow_by_id(batch.session, schedule.workflow_id).namespace != event.namespace:
                return
            fault = batch.scope.fault(SCHEDULE, schedule_id)
            if isinstance(timer, timer_events.ScheduleFault):
                fault = fault or f"{timer.expression!r} cannot be evaluated: {timer.error}"
            if fault is not None:
                _break_schedule(schedule, fault)
                return
            assert isinstance(timer, timer_events.ScheduleTick)
            workflow_id = timers.claim_schedule_tick(batch.session, schedule_id, timer.due)
            if workflow_id is not None:
                self._start_new(batch, workflow_id, ExecutionType.PERIODIC, event)

    def _start_new(self, batch: Batch, workflow_id: int, execution_type: ExecutionType, event: Event) -> None:
        """Create and start an execution of a workflow's current snapshot (schedule tick or trigger).

        The new execution is part of the trigger's or schedule's unit: a failure to start it is theirs.
        """
        try:
            execution = create_execution(batch.session, get_workflow_by_id(batch.session, workflow_id), execution_type)
        except AIFlowError as exc:
            logger.info("Scheduler: not starting workflow %s: %s", workflow_id, exc)
            return
        execution.event_offset = event.offset
        self._step(batch, execution.id, engine.start_execution, execution_type, event.namespace, own_unit=False)

    def _apply_command(self, batch: Batch, command: Command, event: Event) -> None:
        kind, execution_id, namespace = command.kind, command.workflow_execution_id, event.namespace
        if kind == CommandKind.START_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.start_execution, ExecutionType.MANUAL, namespace)
        elif kind == CommandKind.STOP_WORKFLOW_EXECUTION and execution_id is not None:
            self._step(batch, execution_id, engine.stop_execution, ExecutionType.MANUAL, namespace)
        elif kind == CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS and command.workflow_id is not None:
            for running in unfinished_execution_ids(batch.session, command.workflow_id):
                self._step(batch, running, engine.stop_execution, ExecutionType.MANUAL, namespace)
        elif kind in (CommandKind.WORKFLOW_CHANGED, CommandKind.TRIGGERS_CHANGED) and command.workflow_id:
            self.triggers.refresh_workflow(batch.session, command.workflow_id)
        elif kind in _TASK_COMMANDS and execution_id is not None and command.task_name:
            action, task = _TASK_COMMANDS[kind], command.task_name
            self._step(batch, execution_id, lambda view: engine.command_on_task(view, task, action),
                       ExecutionType.MANUAL, namespace)

    def _step(self, batch: Batch, execution_id: int, step: Callable[[ExecutionView], list[Decision]],
              execution_type: ExecutionType, namespace: str | None, own_unit: bool = True) -> None:
        """Apply ``step`` to an execution of ``namespace`` (a quarantined or broken one is failed instead)."""
        scope = batch.scope
        if own_unit and not scope.allows(EXECUTION, execution_id):
            return
        fault = scope.fault(EXECUTION, execution_id)
        if fault is not None:
            self._fail_quarantined(batch, execution_id, fault, namespace)
            return
        with scope.unit(EXECUTION, execution_id) if own_unit else _no_unit():
            loaded = batch.load(execution_id)
            if loaded is None:
                logger.info("Scheduler: no workflow execution %s; event skipped", execution_id)
            if loaded is None or not _of_namespace(loaded.view, namespace):
                return
            view = loaded.view
            decisions = engine.fail_execution(view, view.broken) if view.broken else step(view)
            self._write(batch, loaded, decisions, execution_type)

    def _fail_quarantined(self, batch: Batch, execution_id: int, error: str, namespace: str | None) -> None:
        """Fail an execution found to blame; by plain row updates if even loading it fails."""
        try:
            loaded = batch.load(execution_id)
        except Exception as exc:  # the quarantine's last resort: the rows themselves are bad
            if is_transient(exc):
                raise
            batch.fail_rows(execution_id, self.router.namespace_of(execution_id), error)
            self.router.forget(execution_id)
            return
        if loaded is not None and _of_namespace(loaded.view, namespace):
            self._write(batch, loaded, engine.fail_execution(loaded.view, error), ExecutionType.EVENT)

    def _write(self, batch: Batch, loaded: LoadedExecution, decisions: list[Decision],
               execution_type: ExecutionType) -> None:
        batch.write(loaded, decisions, execution_type)
        self.router.track(loaded.view)
        if decisions:
            logger.info("Scheduler: execution=%s %s", loaded.view.id, decisions)


def _of_namespace(view: ExecutionView, namespace: str | None) -> bool:
    """Whether the event's namespace is the execution's: events never cross namespaces."""
    if view.namespace == (namespace or ""):
        return True
    logger.debug("Scheduler: execution %s is not of namespace %r; event ignored", view.id, namespace)
    return False


_TASK_COMMANDS = {CommandKind.START_TASK_EXECUTION: TaskAction.START, CommandKind.STOP_TASK_EXECUTION: TaskAction.STOP,
                  CommandKind.RESTART_TASK_EXECUTION: TaskAction.RESTART}
_START_MISSED = ("its start command never reached the scheduler (the event bus was unreachable when it was "
                 "started); start the workflow again")


def _timer_step(timer: timer_events.TimerEvent) -> Callable[[ExecutionView], list[Decision]]:
    """What a timer event does to the execution it names."""
    if isinstance(timer, timer_events.PeriodicTick):
        return lambda view: engine.fire_periodic(view, timer.task_name)
    if isinstance(timer, timer_events.RetryDue):
        return lambda view: engine.retry_due(view, timer.task_name, timer.task_execution_id, timer.try_number)
    if isinstance(timer, timer_events.ExecutionFault):
        return lambda view: engine.fail_execution(view, timer.error)
    return lambda view: engine.fail_execution(view, _START_MISSED) if view.status == WorkflowStatus.INIT else []


def _no_unit() -> contextlib.nullcontext[None]:
    return contextlib.nullcontext()


def _break_schedule(schedule: WorkflowSchedule, error: str) -> None:
    logger.warning("Scheduler: schedule %s taken out of play: %s", schedule.id, error)
    schedule.error = error


def _reported_tasks(happenings: list[Happening]) -> set[int]:
    """Return the task executions that the status reports among ``happenings`` name (the rows they change)."""
    ids: set[int] = set()
    for happening in happenings:
        if isinstance(happening, Event):
            with contextlib.suppress(InvalidInputError):  # a malformed report is the engine's to reject
                if (report := TaskStatusReport.from_event(happening)) is not None:
                    ids.add(report.task_execution_id)
    return ids
