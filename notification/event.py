"""The event: the one message type that flows through the bus."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_NAMESPACE = "default"


@dataclass
class Event:
    """A keyed message in the ordered event log.

    ``offset`` and ``create_time`` are assigned by the bus when the event is
    stored: offsets increase strictly across all keys and namespaces, and
    ``create_time`` is the store's clock in milliseconds since the epoch.
    """

    key: str
    value: str | None = None
    namespace: str | None = DEFAULT_NAMESPACE
    sender: str | None = None
    context: str | None = None
    offset: int | None = None
    create_time: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a plain dict (for JSON, YAML and table output)."""
        return {
            "offset": self.offset,
            "key": self.key,
            "value": self.value,
            "namespace": self.namespace,
            "sender": self.sender,
            "context": self.context,
            "create_time": self.create_time,
        }
