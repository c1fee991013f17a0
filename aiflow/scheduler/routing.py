"""Which executions an event concerns: the index of the executions in play, rebuilt at start.

Events never cross namespaces: an event concerns only executions of its own namespace, even when
its context names an execution of another one.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from aiflow.plan import PlanError
from aiflow.scheduler.engine.index import RuleIndex
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.scheduler.plans import PlanCache
from aiflow.scheduler.views import routed_executions
from aiflow.status_events import execution_id_of
from notification.event import Event


class ExecutionRouter:
    """Keeps the index of executions in play by (namespace, expected key) and routes events with it.

    An execution stays in play while it runs, and after it finished while any of its tasks is
    still being stopped, so that the tasks' reports are recorded.
    """

    def __init__(self) -> None:
        self._index = RuleIndex()
        #: Executions in play whose plan could not be read at the last rebuild, as (id, namespace).
        self.broken: list[tuple[int, str]] = []

    def rebuild(self, session: Session, plans: PlanCache) -> None:
        """Index every execution in play, as the database has them (see :attr:`broken`)."""
        self._index, self.broken = RuleIndex(), []
        for execution_id, namespace, snapshot_id in routed_executions(session):
            try:
                keys = plans.plan(session, snapshot_id).expected_keys()
            except PlanError:
                keys = frozenset()
                self.broken.append((execution_id, namespace))
            self._index.add(execution_id, namespace, keys)

    def track(self, view: ExecutionView) -> None:
        """Route events to an execution while it is in play; forget it once it is out."""
        if not view.status.is_finished:
            self._index.add(view.id, view.namespace, view.plan.expected_keys())
        elif view.has_live_task:
            self._index.add(view.id, view.namespace, ())
        else:
            self._index.remove(view.id)

    def forget(self, execution_id: int) -> None:
        """Stop routing events to an execution taken out of play without a view."""
        self._index.remove(execution_id)

    def targets(self, event: Event) -> list[int]:
        """Return the executions in play that ``event`` concerns.

        An event naming an execution in its context concerns that execution only (if it is of the
        event's namespace); any other event concerns the running executions of its namespace
        whose rules expect its key.
        """
        addressed = execution_id_of(event)
        if addressed is not None:
            return [addressed] if self.namespace_of(addressed) == (event.namespace or "") else []
        return self._index.expecting(event.namespace, event.key)

    def namespace_of(self, execution_id: int) -> str | None:
        """Return the namespace of an execution in play (None if it is not in play)."""
        return self._index.namespace_of(execution_id)

    def __len__(self) -> int:
        return len(self._index)
