"""The JSON arguments of the start job (docs/contracts.md, section 2), and the try they name."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from aiflow.errors import InvalidInputError

P = TypeVar("P", bound="TryPayload")


@dataclass(frozen=True)
class TryPayload:
    """Names one try of a task execution, with the names humans read in logs and Flower."""

    task_execution_id: int
    try_number: int
    workflow_execution_id: int
    namespace: str
    workflow_name: str
    task_name: str

    @classmethod
    def from_kwargs(cls: type[P], kwargs: Mapping[str, object]) -> P:
        """Build the payload from a job's kwargs; unknown keys are ignored so senders can add fields.

        Raises:
            InvalidInputError: a field is missing or has the wrong type.
        """
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            value = kwargs.get(field.name)
            if value is None and field.default is not dataclasses.MISSING:
                continue  # an optional argument, absent
            expected = int if field.type in ("int", "int | None") else str
            if not isinstance(value, expected) or isinstance(value, bool):
                raise InvalidInputError(f"job argument {field.name!r} must be {expected.__name__}, got {value!r}")
            values[field.name] = value
        return cls(**values)

    def to_kwargs(self) -> dict[str, Any]:
        """Return the job's kwargs (without the optional ones that are absent)."""
        return {name: value for name, value in dataclasses.asdict(self).items() if value is not None}

    def describe(self) -> str:
        """Return a one-line name of the try, for logs and Flower."""
        return (
            f"{self.namespace}/{self.workflow_name}/{self.task_name} execution={self.workflow_execution_id} "
            f"task_execution={self.task_execution_id} try={self.try_number}"
        )


@dataclass(frozen=True)
class StartTask(TryPayload):
    """Arguments of ``aiflow.start_task``: the try, the snapshot whose workflow it runs, and when its cause happened.

    ``caused_at`` is the create time (ms, the event store's clock) of the event that queued the try
    (None in jobs sent without it).
    """

    snapshot_id: int
    sequence_number: int
    caused_at: int | None = None
