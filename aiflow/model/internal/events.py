"""The keys of the events the system itself sends.

When a task execution changes status, a *task status event* is sent with key
``task_status_event_key(task_name)``, the new :class:`TaskStatus` value as its
value, and the workflow execution id in its ``context`` so the scheduler applies
it to rules of that execution only. The key does not contain the execution id:
rules are declared once per workflow and must expect the same key in every
execution.

Keys start with ``TASK_STATUS_EVENT_KEY_PREFIX``, which user events must not use.
"""

from __future__ import annotations

TASK_STATUS_EVENT_KEY_PREFIX = "aiflow.task_status:"
"""Prefix of every task status event key; the task name follows it."""


def task_status_event_key(task_name: str) -> str:
    """Return the key of the events reporting status changes of ``task_name``."""
    return f"{TASK_STATUS_EVENT_KEY_PREFIX}{task_name}"


def is_task_status_event_key(key: str) -> bool:
    """Return whether ``key`` is the key of a task status event."""
    return key.startswith(TASK_STATUS_EVENT_KEY_PREFIX)


def task_name_of_status_event_key(key: str) -> str | None:
    """Return the task name in a task status event key, or ``None`` for any other key."""
    if not is_task_status_event_key(key):
        return None
    return key[len(TASK_STATUS_EVENT_KEY_PREFIX) :]
