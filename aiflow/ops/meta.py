"""The records the SDK returns: frozen dataclasses parsed from the server's JSON.

Each class's fields are the JSON fields of its resource (see
``web/records.py``); :meth:`Meta.from_json` converts times, statuses and
binary fields by the field's type, and :meth:`Meta.to_row` gives the plain,
printable values the CLI shows.
"""

from __future__ import annotations

import base64
import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar, TypeVar

from aiflow.loader.describe import rebuild_condition
from aiflow.model.execution_type import ExecutionType
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.ops.errors import AIFlowException
from aiflow.plan import PlanError, condition_from_dict

M = TypeVar("M", bound="Meta")


@dataclass(frozen=True)
class Meta:
    """Base of the SDK's records."""

    HIDDEN_IN_ROWS: ClassVar[frozenset[str]] = frozenset()
    """Fields too long for a table row."""

    @classmethod
    def from_json(cls: type[M], data: Mapping[str, Any]) -> M:
        """Build the record from the server's JSON object; unknown fields are ignored.

        Raises:
            AIFlowException: a field is missing or has a value of the wrong form.
        """
        hints = typing.get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            if field.name not in data:
                raise AIFlowException(f"the server's {cls.__name__} has no field {field.name!r}")
            try:
                values[field.name] = _from_json_value(data[field.name], hints[field.name])
            except (TypeError, ValueError) as exc:
                raise AIFlowException(f"the server's {cls.__name__} has a bad {field.name!r}: {exc}") from exc
        return cls(**values)

    @classmethod
    def from_optional_json(cls: type[M], data: Mapping[str, Any] | None) -> M | None:
        """Like :meth:`from_json`, passing ``None`` (nothing found) through."""
        return None if data is None else cls.from_json(data)

    @classmethod
    def list_from_json(cls: type[M], items: list[dict[str, Any]]) -> list[M] | None:
        """Build the records of a list; ``None`` when it is empty, as the SDK's list functions return."""
        return [cls.from_json(item) for item in items] or None

    def to_row(self) -> dict[str, Any]:
        """Return the fields as plain values (text, numbers, booleans, mappings) for printing."""
        return {
            field.name: _plain(getattr(self, field.name))
            for field in dataclasses.fields(self)
            if field.name not in self.HIDDEN_IN_ROWS
        }


def _from_json_value(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    target = next(t for t in (typing.get_args(hint) or (hint,)) if t is not type(None))
    if target is datetime:
        return datetime.fromisoformat(value)
    if target is bytes:
        return base64.b64decode(value, validate=True)
    if isinstance(target, type) and issubclass(target, Enum):
        return target(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


@dataclass(frozen=True)
class NamespaceMeta(Meta):
    """A namespace and its properties."""

    name: str
    properties: dict[str, Any] | None


@dataclass(frozen=True)
class WorkflowMeta(Meta):
    """A workflow; ``snapshot_id`` is the uploaded version new executions run."""

    HIDDEN_IN_ROWS = frozenset({"content"})

    id: int
    namespace: str
    name: str
    content: str | None
    description: str | None
    is_enabled: bool
    snapshot_id: int | None
    create_time: datetime | None
    update_time: datetime | None


@dataclass(frozen=True)
class WorkflowSnapshotMeta(Meta):
    """One uploaded version of a workflow: where its package is kept and the package's SHA-256."""

    id: int
    workflow_id: int
    uri: str
    content_hash: str
    create_time: datetime | None


@dataclass(frozen=True)
class WorkflowExecutionMeta(Meta):
    """One run of a workflow, pinned to a snapshot."""

    id: int
    workflow_id: int
    namespace: str
    workflow_name: str
    snapshot_id: int
    execution_type: ExecutionType
    status: WorkflowStatus
    begin_date: datetime | None
    end_date: datetime | None
    error: str | None
    event_offset: int | None


@dataclass(frozen=True)
class TaskExecutionMeta(Meta):
    """One run of a task: its sequence number among the task's runs and its current try."""

    id: int
    workflow_execution_id: int
    task_name: str
    sequence_number: int
    try_number: int
    execution_type: ExecutionType
    status: TaskStatus
    begin_date: datetime | None
    end_date: datetime | None
    error: str | None


@dataclass(frozen=True)
class TaskLogPage(Meta):
    """Lines of one try's log after a cursor, the cursor to continue from, and whether the log is complete."""

    lines: list[str]
    next: str
    finished: bool
    try_number: int


@dataclass(frozen=True)
class WorkflowScheduleMeta(Meta):
    """A ``cron@...`` or ``interval@...`` schedule of a workflow."""

    id: int
    workflow_id: int
    expression: str
    is_paused: bool
    error: str | None
    create_time: datetime | None


@dataclass(frozen=True)
class WorkflowEventTriggerMeta(Meta):
    """An event trigger of a workflow: its condition in the plan format, and why it is out of play (``error``)."""

    id: int
    workflow_id: int
    condition: dict[str, Any] | None
    is_paused: bool
    error: str | None
    create_time: datetime | None

    def workflow_rule(self) -> WorkflowRule:
        """Rebuild the trigger's :class:`WorkflowRule` here (a custom condition is unpickled in this process).

        Raises:
            AIFlowException: the trigger has no condition (stored by an older version) or a malformed one.
        """
        try:
            return WorkflowRule(rebuild_condition(condition_from_dict(self.condition, f"trigger {self.id}")))
        except PlanError as exc:
            raise AIFlowException(str(exc)) from None

    def to_row(self) -> dict[str, Any]:
        """The printable fields; the condition shows as a sentence (a custom one by its name, not its pickle)."""
        try:
            condition = condition_from_dict(self.condition, f"trigger {self.id}").describe()
        except PlanError as exc:
            condition = f"<unreadable: {exc}>"
        return {**super().to_row(), "condition": condition}


@dataclass(frozen=True)
class RejectedEventMeta(Meta):
    """An event the scheduler skipped: its offset, namespace and key (when they could be read) and why."""

    offset: int
    namespace: str | None
    key: str | None
    error: str
    create_time: datetime | None


@dataclass(frozen=True)
class TokenMeta(Meta):
    """An API token: its role and namespaces (None: every one), where it is kept (``config`` or ``database``)."""

    name: str
    role: str
    namespaces: list[str] | None
    source: str
    create_time: datetime | None
    created_by: str | None


@dataclass(frozen=True)
class NewTokenMeta(TokenMeta):
    """A token just added, with its secret ``token``: the only time the server shows it."""

    token: str
