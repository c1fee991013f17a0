"""Which executions an event concerns: the running executions' index, rebuilt at start."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aiflow.metadata.execution_views import SnapshotCache, running_executions
from aiflow.scheduler.engine.index import RuleIndex, expected_keys
from aiflow.scheduler.engine.view import ExecutionView
from aiflow.status_events import execution_id_of
from notification.event import Event


class ExecutionRouter:
    """Keeps the index of running executions by (namespace, expected key) and routes events with it."""

    def __init__(self) -> None:
        self._index = RuleIndex()

    def rebuild(self, session: Session, snapshots: SnapshotCache) -> None:
        """Index every running execution, as the database has them."""
        self._index = RuleIndex()
        for execution_id, namespace, snapshot_id in running_executions(session):
            self._index.add(execution_id, namespace, expected_keys(snapshots.workflow(session, snapshot_id)))

    def track(self, view: ExecutionView) -> None:
        """Start routing events to a running execution, or stop once it has finished."""
        if view.status.is_finished:
            self._index.remove(view.id)
        else:
            self._index.add(view.id, view.namespace, expected_keys(view.workflow))

    def targets(self, event: Event) -> list[int]:
        """Return the running executions ``event`` concerns.

        An event naming an execution in its context concerns that execution
        only; any other event concerns the running executions of its namespace
        whose rules expect its key.
        """
        addressed = execution_id_of(event)
        if addressed is not None:
            return [addressed] if addressed in self._index else []
        return self._index.expecting(event.namespace, event.key)

    def __len__(self) -> int:
        return len(self._index)
