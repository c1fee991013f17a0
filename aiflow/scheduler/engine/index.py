"""Which running executions and active triggers expect an event: an index by (namespace, key).

Listing the candidates of an event is a dictionary look-up, so events that no
rule expects cost nothing however many executions run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from aiflow.model.workflow import Workflow

Slot = tuple[str, str]  # (namespace, event key)


class RuleIndex:
    """Maps (namespace, event key) to the ids of the executions (or triggers) that expect it."""

    def __init__(self) -> None:
        self._by_slot: defaultdict[Slot, set[int]] = defaultdict(set)
        self._slots: dict[int, list[Slot]] = {}

    def add(self, item_id: int, namespace: str, keys: Iterable[str]) -> None:
        """Register ``item_id`` as expecting ``keys`` in ``namespace`` (replacing what it had)."""
        self.remove(item_id)
        slots = [(namespace, key) for key in dict.fromkeys(keys)]
        self._slots[item_id] = slots
        for slot in slots:
            self._by_slot[slot].add(item_id)

    def remove(self, item_id: int) -> None:
        """Forget ``item_id``; nothing happens if it is unknown."""
        for slot in self._slots.pop(item_id, []):
            ids = self._by_slot[slot]
            ids.discard(item_id)
            if not ids:
                del self._by_slot[slot]

    def expecting(self, namespace: str | None, key: str) -> list[int]:
        """Return the ids expecting ``key`` in ``namespace``, oldest first."""
        return sorted(self._by_slot.get((namespace or "", key), ()))

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._slots

    def __len__(self) -> int:
        return len(self._slots)


def expected_keys(workflow: Workflow) -> set[str]:
    """Return every event key a rule of ``workflow`` expects."""
    return {key for rules in workflow.rules.values() for rule in rules for key in rule.condition.expect_event_keys}
