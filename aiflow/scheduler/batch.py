"""What one transaction that applies events holds: the executions it loaded, and what it writes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from aiflow.model.execution_type import ExecutionType
from aiflow.scheduler.engine.decisions import Decision
from aiflow.scheduler.happenings import LogEntry
from aiflow.scheduler.outbox import OutboxJob
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.scope import Scope
from aiflow.scheduler.views import LoadedExecution, load_executions
from aiflow.scheduler.writer import DecisionWriter, save_rule_state
from notification.event import Event


class Batch:
    """The views loaded while one transaction applies events, and the jobs it wrote."""

    def __init__(self, session: Session, plans: PlanCache, now: datetime, scope: Scope) -> None:
        self.session = session
        self.now = now
        self.scope = scope
        self._plans = plans
        self._loaded: dict[int, LoadedExecution] = {}
        self._state_before: dict[int, dict[str, bytes]] = {}
        self._writer = DecisionWriter(session, now)
        self._entry_time: int | None = None

    def preload(self, execution_ids: set[int]) -> None:
        """Load the executions not loaded yet among ``execution_ids``, all with the same few queries."""
        missing = execution_ids - self._loaded.keys()
        for execution_id, loaded in load_executions(self.session, missing, self._plans).items():
            self._loaded[execution_id] = loaded
            self._state_before[execution_id] = dict(loaded.view.rule_state)

    def load(self, execution_id: int) -> LoadedExecution | None:
        """Return the execution with its view, loading it once per batch."""
        if execution_id not in self._loaded:
            self.preload({execution_id})
        return self._loaded.get(execution_id)

    def happened_at(self, entry: LogEntry) -> None:
        """Date what the next steps write with the entry's time on the bus (the batch's time if it has none)."""
        self._entry_time = entry.create_time if isinstance(entry, Event) else None

    def write(self, loaded: LoadedExecution, decisions: list[Decision], execution_type: ExecutionType) -> None:
        """Write one engine step's decisions about an execution, dated by :meth:`happened_at`."""
        if decisions:
            self._writer.at = datetime.fromtimestamp(self._entry_time / 1000, UTC) if self._entry_time else self.now
            self._writer.write(loaded, decisions, execution_type)

    def finish(self) -> list[OutboxJob]:
        """Write the changed rule states and the outbox; return the jobs to send after commit."""
        for execution_id, loaded in self._loaded.items():
            save_rule_state(self.session, execution_id, self._state_before[execution_id], loaded.view.rule_state)
        return self._writer.finish()
