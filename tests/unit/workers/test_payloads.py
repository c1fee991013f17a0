"""Job arguments: read from JSON kwargs, checked, described for humans."""

from __future__ import annotations

import pytest

from aiflow.errors import InvalidInputError
from workers.payloads import StartTask, TryPayload

KWARGS = {
    "task_execution_id": 5, "try_number": 2, "workflow_execution_id": 3, "snapshot_id": 9,
    "namespace": "ml", "workflow_name": "train", "task_name": "fit", "sequence_number": 1,
}


def test_start_payload_round_trips_and_ignores_unknown_fields() -> None:
    job = StartTask.from_kwargs({**KWARGS, "added_later": True})

    assert job.to_kwargs() == KWARGS
    assert job.describe() == "ml/train/fit execution=3 task_execution=5 try=2"


def test_the_time_of_the_cause_is_optional() -> None:
    job = StartTask.from_kwargs({**KWARGS, "caused_at": 1700000000123})

    assert job.caused_at == 1700000000123
    assert job.to_kwargs() == {**KWARGS, "caused_at": 1700000000123}
    assert StartTask.from_kwargs(KWARGS).caused_at is None


def test_a_try_is_named_without_its_snapshot() -> None:
    named = TryPayload.from_kwargs({k: v for k, v in KWARGS.items() if k not in ("snapshot_id", "sequence_number")})

    assert (named.task_execution_id, named.try_number) == (5, 2)


@pytest.mark.parametrize(("field", "value"), [("try_number", None), ("task_execution_id", "5"), ("namespace", 1),
                                              ("snapshot_id", True), ("caused_at", "soon")])
def test_malformed_payload_is_refused_with_the_field_named(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError, match=field):
        StartTask.from_kwargs({**KWARGS, field: value})
