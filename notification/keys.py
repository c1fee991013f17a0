"""The only place that names the event bus's Redis keys.

Every key is ``<prefix>:events...`` or ``<prefix>:task:...`` (prefix ``aiflow`` by default, so tests
and tenants can isolate themselves), and the channel ``<prefix>:changes``; nothing else in AIFlow
builds these names.
"""

from __future__ import annotations

import re
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
        """Set of the per-key and per-namespace streams that exist, for trimming idle ones."""
        return f"{self.prefix}:events:keys"

    def key_stream(self, key: str) -> str:
        """The stream holding the events of one event key, in offset order."""
        return f"{self.prefix}:events:key:{key}"

    def namespace_stream(self, namespace: str) -> str:
        """The stream holding the events of one namespace, in offset order."""
        return f"{self.namespace_stream_prefix}{namespace}"

    @property
    def namespace_stream_prefix(self) -> str:
        """What every namespace stream's name starts with (the store upgrade appends namespaces to it)."""
        return f"{self.prefix}:events:ns:"

    @property
    def changes(self) -> str:
        """The pub/sub channel on which the scheduler announces what each committed batch changed."""
        return f"{self.prefix}:changes"

    def sent(self, request_id: str) -> str:
        """Marker of an already stored send, making retried sends idempotent."""
        return f"{self.prefix}:events:sent:{request_id}"


@dataclass(frozen=True)
class TaskKeys:
    """Builds the Redis key names of one try of a task execution: ``<prefix>:task:<id>:<try>:...``."""

    prefix: str = DEFAULT_PREFIX

    def claim(self, task_execution_id: int, try_number: int) -> str:
        """Set with NX by the worker that runs the try, so a redelivered job runs it only once."""
        return f"{self._base(task_execution_id, try_number)}:claim"

    def heartbeat(self, task_execution_id: int, try_number: int) -> str:
        """Refreshed with a TTL while the try runs; missing means its worker is gone."""
        return f"{self._base(task_execution_id, try_number)}:heartbeat"

    def log(self, task_execution_id: int, try_number: int) -> str:
        """The capped stream of a try's log lines (field ``line``), written by its worker."""
        return f"{self._base(task_execution_id, try_number)}:log"

    def log_done(self, task_execution_id: int, try_number: int) -> str:
        """Set by the worker once a try's log is complete."""
        return f"{self._base(task_execution_id, try_number)}:log_done"

    def stop(self, task_execution_id: int, try_number: int) -> str:
        """Set when a stop of a try was requested; also the pub/sub channel that announces it."""
        return f"{self._base(task_execution_id, try_number)}:stop"

    @property
    def every_stop_channel(self) -> str:
        """The pattern of every try's stop channel, for one subscription that hears them all."""
        return f"{_glob_escaped(self.every_try_prefix)}*:stop"

    @property
    def every_try_prefix(self) -> str:
        """What the keys of every try start with (``aiflow db rebind-bus`` deletes them)."""
        return f"{self.prefix}:task:"

    def _base(self, task_execution_id: int, try_number: int) -> str:
        return f"{self.every_try_prefix}{task_execution_id}:{try_number}"


def _glob_escaped(text: str) -> str:
    """``text`` with Redis's glob characters escaped, so a pattern matches it literally."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)
