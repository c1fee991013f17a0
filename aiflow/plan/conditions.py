"""Conditions as plain data, and how the built-in ones are met.

Three kinds, each with a JSON form (``{"kind": ...}``):

* :class:`EventCondition` (``"event"``): met by an event with one of its keys (``match: any``), or
  once an event with each key has arrived since it was last met (``match: all``; remembers the
  keys seen in its state).
* :class:`StatusCondition` (``"task_status"``): met when the latest execution of every named task
  has the named status.
* :class:`CustomCondition` (``"custom"``): a user's ``Condition`` subclass. Its ``code`` (the
  cloudpickled object) is opaque here: only a sandboxed evaluator loads it.

State is opaque bytes per rule: JSON for built-in conditions, whatever the evaluator returns for
custom ones. ``None`` means no state.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus
from aiflow.plan.shape import PlanError, event_keys, member, obj

MAX_CODE_BYTES = 16 * 1024 * 1024
"""Largest pickled custom condition a plan may carry."""

MAX_LABEL_CHARS = 1000
"""Longest description of a custom condition kept for messages."""


class Match(str, Enum):
    """Whether an event condition wants any one of its keys, or all of them."""

    ANY = "any"
    ALL = "all"


@dataclass(frozen=True)
class EventCondition:
    """Met by events with the expected keys (see the module docstring)."""

    keys: tuple[str, ...]
    match: Match = Match.ANY

    @property
    def expect_event_keys(self) -> tuple[str, ...]:
        return self.keys

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "event", "keys": list(self.keys), "match": self.match.value}

    def describe(self) -> str:
        return f"{'all of' if self.match == Match.ALL else 'any of'} events {', '.join(self.keys)}"

    def is_met(self, key: str, state: bytes | None) -> tuple[bool, bytes | None]:
        """Return whether an event with ``key`` meets the condition, and the state after it."""
        if self.match == Match.ANY:
            return key in self.keys, state
        seen = set(json.loads(state) if state else ()) | ({key} & set(self.keys))
        if seen >= set(self.keys):
            return True, None
        return False, json.dumps(sorted(seen)).encode()


@dataclass(frozen=True)
class StatusRequirement:
    """The latest execution of ``task`` has ``status``."""

    task: str
    status: TaskStatus


@dataclass(frozen=True)
class StatusCondition:
    """Met when every requirement holds at once."""

    requirements: tuple[StatusRequirement, ...]

    @property
    def expect_event_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(task_status_event_key(r.task) for r in self.requirements))

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "task_status",
                "all": [{"task": r.task, "status": r.status.value} for r in self.requirements]}

    def describe(self) -> str:
        return "task statuses " + ", ".join(f"{r.task}={r.status.value}" for r in self.requirements)

    def is_met(self, statuses: Mapping[str, TaskStatus]) -> bool:
        return all(statuses.get(r.task) == r.status for r in self.requirements)


@dataclass(frozen=True)
class CustomCondition:
    """A user's condition: ``code`` is its pickle, evaluated only in a sandbox; ``label`` names it."""

    expect_event_keys: tuple[str, ...]
    label: str
    code: bytes

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "custom", "expect_event_keys": list(self.expect_event_keys), "label": self.label,
                "code": base64.b64encode(self.code).decode("ascii")}

    def describe(self) -> str:
        return f"custom {self.label} on events {', '.join(self.expect_event_keys)}"


ConditionPlan = EventCondition | StatusCondition | CustomCondition


def condition_from_dict(data: object, where: str) -> ConditionPlan:
    """Read a condition's JSON form.

    Raises:
        PlanError: the document is not a condition of a known kind and shape.
    """
    data = obj(data, where)
    kind = data.get("kind")
    if kind == "event":
        try:
            match = Match(data.get("match", Match.ANY.value))
        except ValueError:
            raise PlanError(f"{where}: 'match' must be 'any' or 'all', got {data.get('match')!r:.80}") from None
        return EventCondition(event_keys(data.get("keys"), where), match)
    if kind == "task_status":
        return StatusCondition(_requirements(data.get("all"), where))
    if kind == "custom":
        return CustomCondition(event_keys(data.get("expect_event_keys"), where),
                               member(data, "label", str, where)[:MAX_LABEL_CHARS], _code(data, where))
    raise PlanError(f"{where}: unknown condition kind {kind!r:.80} (expected event, task_status or custom)")


def _requirements(value: object, where: str) -> tuple[StatusRequirement, ...]:
    if not isinstance(value, list) or not value:
        raise PlanError(f"{where}: 'all' must be a non-empty list of {{task, status}}")
    requirements = []
    for item in value:
        item = obj(item, where)
        try:
            status = TaskStatus(item.get("status"))
        except ValueError:
            raise PlanError(f"{where}: unknown task status {item.get('status')!r:.80}") from None
        requirements.append(StatusRequirement(member(item, "task", str, where), status))
    return tuple(requirements)


def _code(data: dict[str, Any], where: str) -> bytes:
    text = member(data, "code", str, where)
    if len(text) > MAX_CODE_BYTES * 4 // 3 + 4:
        raise PlanError(f"{where}: the custom condition's code is over {MAX_CODE_BYTES} bytes")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise PlanError(f"{where}: 'code' must be base64") from None
