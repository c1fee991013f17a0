"""The options every operator accepts, and the AIFlowOperator defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.context import MappingContext
from aiflow.model.operator import OperatorConfigItem
from aiflow.model.periodic import PeriodicKind
from aiflow.model.workflow import Workflow


def test_defaults(task):
    with Workflow("w"):
        t = task("t")
    assert (t.periodic_expression, t.retries, t.retry_delay, t.timeout, t.queue) == (
        None,
        0,
        timedelta(0),
        None,
        None,
    )
    context = MappingContext()
    assert t.await_termination(context, timeout=1) is None
    assert t.get_metrics(context) == {}


def test_options_are_parsed_and_all_kwargs_kept(task):
    with Workflow("w"):
        t = task(
            "t",
            periodic_expression="interval@0 0 1 30",
            retries=2,
            retry_delay=1.5,
            timeout=timedelta(minutes=5),
            queue="gpu",
            custom="kept",
        )
    assert t.periodic_expression.kind is PeriodicKind.INTERVAL
    assert t.periodic_expression.interval == timedelta(minutes=1, seconds=30)
    assert (t.retries, t.retry_delay, t.timeout, t.queue) == (
        2,
        timedelta(seconds=1.5),
        timedelta(minutes=5),
        "gpu",
    )
    assert t.config["custom"] == "kept"
    assert t.config[OperatorConfigItem.PERIODIC_EXPRESSION] == "interval@0 0 1 30"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"periodic_expression": "cron@61 * * * *"}, "Task 't': Invalid cron expression"),
        ({"periodic_expression": "interval@1 2"}, "expected 4 fields"),
        ({"retries": -1}, "retries must be a non-negative integer"),
        ({"retries": True}, "retries must be a non-negative integer"),
        ({"retries": 1.5}, "retries must be a non-negative integer"),
        ({"retry_delay": -1}, "retry_delay must be a non-negative"),
        ({"timeout": 0}, "timeout must be a positive"),
        ({"timeout": "10"}, "timeout must be a positive"),
        ({"queue": ""}, "queue must be a non-empty string"),
    ],
)
def test_invalid_options_are_rejected_and_the_task_not_added(task, kwargs, message):
    with Workflow("w") as w:
        with pytest.raises(InvalidInputError, match=message):
            task("t", **kwargs)
    assert w.tasks == {}
