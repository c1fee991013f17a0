"""A try's log file stays inside ``log_dir``, whatever names its job carries."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from aiflow.errors import InvalidInputError
from workers.logs import log_path
from workers.payloads import StartTask

JOB = StartTask(task_execution_id=5, try_number=2, workflow_execution_id=3, namespace="ml", workflow_name="train",
                task_name="fit", snapshot_id=9, sequence_number=1)


def test_the_file_is_named_after_the_try(tmp_path: Path) -> None:
    assert log_path(tmp_path, JOB) == tmp_path / "ml" / "train" / "3" / "fit" / "1-2.log"


@pytest.mark.parametrize(
    ("field", "value"),
    [("task_name", "../../../../../escaped"), ("task_name", "/etc/cron.d"), ("namespace", ".."),
     ("workflow_name", "../../..")],
)
def test_names_that_would_leave_log_dir_are_refused(tmp_path: Path, field: str, value: str) -> None:
    job = dataclasses.replace(JOB, **{field: value})

    with pytest.raises(InvalidInputError, match="outside"):
        log_path(tmp_path / "logs", job)
