"""The only place that names the event bus's Redis keys.

Every key is ``<prefix>:events...`` (prefix ``aiflow`` by default, so tests and
tenants can isolate themselves); nothing else in AIFlow builds these names.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "aiflow"


@dataclass(frozen=True)
class EventKeys:
    """Builds the Redis key names of one event bus."""

    prefix: str = DEFAULT_PREFIX

    @property
    def log(self) -> str:
        """The stream holding every event in offset order."""
        return f"{self.prefix}:events"

    @property
    def meta(self) -> str:
        """Hash with the last offset, the last create time and the retention bookkeeping."""
        return f"{self.prefix}:events:meta"

    @property
    def key_index(self) -> str:
        """Set of the per-key streams that exist, for trimming idle keys."""
        return f"{self.prefix}:events:keys"

    def key_stream(self, key: str) -> str:
        """The stream holding the events of one event key, in offset order."""
        return f"{self.prefix}:events:key:{key}"

    def sent(self, request_id: str) -> str:
        """Marker of an already stored send, making retried sends idempotent."""
        return f"{self.prefix}:events:sent:{request_id}"
