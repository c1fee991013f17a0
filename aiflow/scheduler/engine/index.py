"""Which running executions and active triggers expect an event: an index by (namespace, key).

Listing the candidates of an event is a dictionary look-up, so events that no
rule expects cost nothing however many executions run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

Slot = tuple[str, str]  # (namespace, event key)


class RuleIndex:
    """Maps (namespace, event key) to the ids of the executions (or triggers) that expect it."""

    def __init__(self) -> None:
        self._by_slot: defaultdict[Slot, set[int]] = defaultdict(set)
        self._slots: dict[int, list[Slot]] = {}
        self._namespaces: dict[int, str] = {}

    def add(self, item_id: int, namespace: str, keys: Iterable[str]) -> None:
        """Register ``item_id`` as expecting ``keys`` in ``namespace`` (replacing what it had)."""
        self.remove(item_id)
        slots = [(namespace, key) for key in dict.fromkeys(keys)]
        self._slots[item_id] = slots
        self._namespaces[item_id] = namespace
        for slot in slots:
            self._by_slot[slot].add(item_id)

    def remove(self, item_id: int) -> None:
        """Forget ``item_id``; nothing happens if it is unknown."""
        self._namespaces.pop(item_id, None)
        for slot in self._slots.pop(item_id, []):
            ids = self._by_slot[slot]
            ids.discard(item_id)
            if not ids:
                del self._by_slot[slot]

    def namespace_of(self, item_id: int) -> str | None:
        """Return the namespace ``item_id`` was registered in (None if unknown)."""
        return self._namespaces.get(item_id)

    def expecting(self, namespace: str | None, key: str) -> list[int]:
        """Return the ids expecting ``key`` in ``namespace``, oldest first."""
        return sorted(self._by_slot.get((namespace or "", key), ()))

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._namespaces

    def __len__(self) -> int:
        return len(self._slots)
