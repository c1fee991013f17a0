"""Parsing periodic expressions and computing fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.periodic import PeriodicExpression, PeriodicKind

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "kind", "interval"),
    [
        ("cron@*/1 * * * *", PeriodicKind.CRON, None),
        ("cron@ 0  * * * * ", PeriodicKind.CRON, None),
        ("interval@0 0 1 0", PeriodicKind.INTERVAL, timedelta(minutes=1)),
        ("interval@1 2 3 4", PeriodicKind.INTERVAL, timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_valid_expressions(text, kind, interval):
    parsed = PeriodicExpression.parse(text)
    assert (parsed.kind, parsed.interval) == (kind, interval)
    assert PeriodicExpression.parse(str(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cron@61 * * * *", "Invalid cron expression 'cron@61 \\* \\* \\* \\*'.*out of range"),
        ("cron@* * *", "expected 5 fields .* got 3"),
        ("cron@0 0 * * * *", "expected 5 fields .* got 6"),
        ("cron@a b c d e", "Invalid cron expression"),
        ("interval@1 2", "expected 4 fields .* got 2"),
        ("interval@0 0 -1 0", "non-negative integers"),
        ("interval@0 0 0 0", "the interval is zero"),
        ("interval0 0 10 0", "expected 'cron@"),
        ("hourly", "expected 'cron@"),
        (5, "must be a string"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(text, message):
    with pytest.raises(InvalidInputError, match=message):
        PeriodicExpression.parse(text)


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("cron@*/15 * * * *", T0, T0 + timedelta(minutes=15)),
        ("cron@*/15 * * * *", T0 + timedelta(seconds=1), T0 + timedelta(minutes=15)),
        ("cron@0 12 * * *", T0, T0 + timedelta(hours=2)),
        ("interval@0 1 0 0", T0, T0 + timedelta(hours=1)),
    ],
)
def test_next_fire_time(text, after, expected):
    assert PeriodicExpression.parse(text).next_fire_time(after) == expected


@pytest.mark.parametrize(
    ("text", "after", "now", "expected"),
    [
        ("interval@0 0 10 0", T0, T0 + timedelta(minutes=9), None),
        ("interval@0 0 10 0", T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=10)),
        ("interval@0 0 10 0", T0, T0 + timedelta(minutes=35), T0 + timedelta(minutes=30)),
        ("cron@*/15 * * * *", T0, T0 + timedelta(minutes=14), None),
        ("cron@*/15 * * * *", T0, T0 + timedelta(minutes=15), T0 + timedelta(minutes=15)),
        ("cron@*/15 * * * *", T0, T0 + timedelta(hours=5, minutes=7), T0 + timedelta(hours=5)),
    ],
)
def test_missed_fire_times_collapse_into_the_latest(text, after, now, expected):
    assert PeriodicExpression.parse(text).latest_due(after, now) == expected
