"""Units of work inside one event, so that a failure can be pinned on one of them.

Applying an event touches units: executions (``EXECUTION``), triggers (``TRIGGER``) and schedules
(``SCHEDULE``). A :class:`Scope` says which units an application may touch (all, or one for a
trial) and which are quarantined (they are failed or marked broken instead of being applied),
and remembers which unit was in progress when an exception escaped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

EXECUTION = "execution"
TRIGGER = "trigger"
SCHEDULE = "schedule"

Unit = tuple[str, int]


class Scope:
    """Which units applying events may touch (``only``: just that one) and which are quarantined.

    An ``isolating`` scope (the quarantine's) loads each execution inside its own unit, so that a
    row that fails to load is pinned on its execution; the fast path loads a batch's executions
    together, up front.
    """

    def __init__(self, only: Unit | None = None, faults: Mapping[Unit, str] | None = None,
                 isolating: bool = False) -> None:
        self.only = only
        self.faults = dict(faults or {})
        self.isolating = isolating or only is not None or bool(self.faults)
        self.touched: list[Unit] = []
        self.failed: Unit | None = None

    def allows(self, kind: str, unit_id: int) -> bool:
        return self.only is None or self.only == (kind, unit_id)

    def fault(self, kind: str, unit_id: int) -> str | None:
        """Return why the unit is quarantined, or None when it is applied normally."""
        return self.faults.get((kind, unit_id))

    @contextmanager
    def unit(self, kind: str, unit_id: int) -> Iterator[None]:
        """Mark the work of one unit, so an exception it raises is pinned on it."""
        self.touched.append((kind, unit_id))
        try:
            yield
        except BaseException:
            if self.failed is None:
                self.failed = (kind, unit_id)
            raise

