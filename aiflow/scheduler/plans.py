"""The plans of snapshots, read from the database once each: snapshots never change."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from aiflow.metadata.definitions import WorkflowSnapshot
from aiflow.plan import PlanError, WorkflowPlan


class PlanCache:
    """Validated plans (or why a snapshot's plan is unusable) by snapshot id, at most ``capacity`` of them."""

    def __init__(self, capacity: int = 512) -> None:
        self._plans: dict[int, WorkflowPlan | PlanError] = {}
        self._capacity = capacity

    def plan(self, session: Session, snapshot_id: int) -> WorkflowPlan:
        """Return the plan of ``snapshot_id``.

        Raises:
            PlanError: the snapshot is gone, has no plan (stored by an older version) or a malformed one.
        """
        cached = self._plans.get(snapshot_id)
        if cached is None:
            if len(self._plans) >= self._capacity:
                self._plans.pop(next(iter(self._plans)))
            cached = self._plans[snapshot_id] = _read(session, snapshot_id)
        if isinstance(cached, PlanError):
            raise cached
        return cached


def _read(session: Session, snapshot_id: int) -> WorkflowPlan | PlanError:
    row = session.execute(select(WorkflowSnapshot.plan).where(WorkflowSnapshot.id == snapshot_id)).one_or_none()
    try:
        if row is None:
            raise PlanError("it does not exist")
        return WorkflowPlan.from_json(row.plan)
    except PlanError as error:
        return PlanError(f"snapshot {snapshot_id} cannot be scheduled: {error}")
