"""What one transaction that applies events holds: the executions it loaded, and what it writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from aiflow.metadata.queries.executions import fail_execution_rows
from aiflow.model.execution_type import ExecutionType
from aiflow.scheduler import outbox
from aiflow.scheduler.announce import Changes
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.happenings import LogEntry
from aiflow.scheduler.metrics import Tally
from aiflow.scheduler.outbox import OutboxJob
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.scope import Scope
from aiflow.scheduler.timeline import Origin, last_step_id
from aiflow.scheduler.views import LoadedExecution, load_executions, load_task_rows
from aiflow.scheduler.writer import DecisionWriter, save_rule_state
from notification.event import Event


class Batch:
    """The views loaded while one transaction applies events, the jobs it wrote, and what it changed.

    :attr:`changes` lists the executions whose rows it changed and, after :meth:`finish`, the newest
    timeline step: what to announce once the transaction commits.
    """

    def __init__(self, session: Session, plans: PlanCache, now: datetime, scope: Scope) -> None:
        self.session = session
        self.now = now
        self.scope = scope
        self.changes = Changes()
        self._plans = plans
        self._loaded: dict[int, LoadedExecution] = {}
        self._state_before: dict[int, dict[str, bytes]] = {}
        self._writer = DecisionWriter(session, now)
        self._entry: LogEntry | None = None
        self._origin_of: LogEntry | None = None  # the entry the writer's origin was taken from
        self._other_steps = False  # whether statements of their own may have written steps (sent jobs, failed rows)

    def preload(self, execution_ids: set[int], task_execution_ids: Iterable[int] = ()) -> None:
        """Load the executions not loaded yet among ``execution_ids``, all with the same few queries.

        The rows of ``task_execution_ids`` (those the batch's reports change) are read with them, at once.
        """
        self._writer.keep(load_task_rows(self.session, task_execution_ids))
        missing = execution_ids - self._loaded.keys()
        for execution_id, loaded in load_executions(self.session, missing, self._plans).items():
            self._loaded[execution_id] = loaded
            self._state_before[execution_id] = dict(loaded.view.rule_state)

    def load(self, execution_id: int) -> LoadedExecution | None:
        """Return the execution with its view, loading it once per batch."""
        if execution_id not in self._loaded:
            self.preload({execution_id})
        return self._loaded.get(execution_id)

    def mark_sent(self, job_ids: Sequence[int]) -> None:
        """Mark jobs sent (with their timeline steps) in this transaction."""
        outbox.mark_sent(self.session, job_ids, self.now)
        self._other_steps = self._other_steps or bool(job_ids)

    def fail_rows(self, execution_id: int, namespace: str | None, error: str) -> None:
        """Fail an execution and its live tasks by plain row updates (the last resort; see the quarantine)."""
        fail_execution_rows(self.session, execution_id, error, self.now)
        self._other_steps = True
        if namespace is not None:
            self.changes.add(execution_id, namespace)

    def happened_at(self, entry: LogEntry) -> None:
        """Date and attribute what the next steps write to the entry (dated by the batch if it has no time)."""
        self._entry = entry

    def write(self, loaded: LoadedExecution, decisions: list[Decision], execution_type: ExecutionType) -> None:
        """Write one engine step's decisions about an execution, dated and attributed by :meth:`happened_at`."""
        if not decisions:
            return
        entry = self._entry if isinstance(self._entry, Event) else None
        if entry is not self._origin_of:  # once per event, however many executions it concerns
            self._origin_of = entry
            self._writer.at = datetime.fromtimestamp(entry.create_time / 1000, UTC) \
                if entry is not None and entry.create_time else self.now
            self._writer.origin = Origin.of(entry) if entry is not None else Origin()
        self._writer.write(loaded, decisions, execution_type)
        self.changes.add(loaded.view.id, loaded.view.namespace)

    @property
    def tally(self) -> Tally:
        """The rules' actions, ended task executions and lost tries of this transaction, counted once it commits."""
        return self._writer.tally

    def finish(self) -> list[OutboxJob]:
        """Write the changed rule states, the outbox and the timeline; return the jobs to send after commit."""
        for execution_id, loaded in self._loaded.items():
            save_rule_state(self.session, execution_id, self._state_before[execution_id], loaded.view.rule_state)
        jobs = self._writer.finish()
        if self._writer.steps_written or self._other_steps:
            self.changes.last_step = last_step_id(self.session)
        return jobs
