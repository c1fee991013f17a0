"""Parsing periodic expressions and computing fire times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aiflow.errors import InvalidInputError
from aiflow.model.periodic import MAX_EXPRESSION_LENGTH, MAX_INTERVAL, PeriodicExpression, PeriodicKind

T0 = datetime(2024, 1, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "kind", "interval"),
    [
        ("cron@*/1 * * * *", PeriodicKind.CRON, None),
        ("cron@ 0  * * * * ", PeriodicKind.CRON, None),
        ("interval@0 0 1 0", PeriodicKind.INTERVAL, timedelta(minutes=1)),
        ("interval@1 2 3 4", PeriodicKind.INTERVAL, timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("interval@0 0 0 1", PeriodicKind.INTERVAL, timedelta(seconds=1)),
        ("interval@0 0 90 0", PeriodicKind.INTERVAL, timedelta(minutes=90)),
        ("interval@3650 0 0 0", PeriodicKind.INTERVAL, MAX_INTERVAL),
        ("interval@0 0 0 315360000", PeriodicKind.INTERVAL, MAX_INTERVAL),
        ("cron@0 0 29 2 *", PeriodicKind.CRON, None),
        ("cron@0 0 L 2 *", PeriodicKind.CRON, None),
        ("cron@0 0 * 2 6#5", PeriodicKind.CRON, None),
        ("cron@0 0 31 2 1", PeriodicKind.CRON, None),  # day of month OR day of week: every Monday of February
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
        ("interval@00 000 0 0", "the interval is zero"),
        ("interval@0 0 0 315360001", "longer than 3650 days"),
        ("interval@3650 0 0 1", "longer than 3650 days"),
        ("interval@100000000000000000000 0 0 0", "longer than 3650 days"),
        ("interval@0 0 0 " + "9" * 400, "longer than 3650 days"),
        ("interval@0 0 1.5 0", "non-negative integers"),
        ("interval@0 0 \u00b2 0", "non-negative integers"),  # a digit to str.isdigit, not to int()
        ("interval@0 0 +1 0", "non-negative integers"),
        ("cron@0 0 31 2 *", "never fires"),
        ("cron@0 0 30 2 *", "never fires"),
        ("cron@0 0 31 4,6,9,11 *", "never fires"),
        ("cron@0 0 30 2 ?", "never fires"),
        ("cron@99999999999999999999 * * * *", "out of range"),
        ("cron@*/0 * * * *", "Invalid cron expression"),
        ("cron@0 0 H * *", "Invalid cron expression"),
        ("cron@R R * * *", "random fields"),
        ("cron@0 0 * * r", "random fields"),
        ("cron@0 0 \u00b2 * *", "Invalid cron expression"),
        ("cron@0 0 1 1 \x00", "Invalid cron expression"),
        ("cron@", "expected 5 fields"),
        ("cron@" + "1," * MAX_EXPRESSION_LENGTH + "2 * * * *", "at most 512 characters"),
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


EDGE_TIMES = [
    datetime(2024, 2, 28, 23, 59, 59, tzinfo=UTC),
    datetime(2024, 2, 29, 0, 0, tzinfo=UTC),
    datetime(2024, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2099, 3, 1, tzinfo=UTC),  # 2100 has no 29th of February
    datetime(1970, 1, 1, tzinfo=UTC),
]
EDGE_EXPRESSIONS = [
    "cron@0 0 29 2 *", "cron@0 0 L 2 *", "cron@0 0 * 2 6#5", "cron@59 23 31 12 *", "cron@0 0 1W * *",
    "cron@* * * * *", "cron@0 0 29 2 1", "interval@0 0 0 1", "interval@3650 0 0 0",
]


@pytest.mark.parametrize("text", EDGE_EXPRESSIONS)
@pytest.mark.parametrize("moment", EDGE_TIMES, ids=str)
def test_a_parsed_expression_always_has_fire_times(text, moment):
    expression = PeriodicExpression.parse(text)

    following = expression.next_fire_time(moment)
    assert following > moment
    assert expression.latest_due(moment - timedelta(days=3650), following) == following
    assert expression.latest_due(following, following) is None


def test_the_leap_day_fires_every_fourth_year_but_2100():
    leap_day = PeriodicExpression.parse("cron@0 0 29 2 *")

    assert leap_day.next_fire_time(datetime(2024, 3, 1, tzinfo=UTC)) == datetime(2028, 2, 29, tzinfo=UTC)
    assert leap_day.next_fire_time(datetime(2096, 3, 1, tzinfo=UTC)) == datetime(2104, 2, 29, tzinfo=UTC)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    assert leap_day.latest_due(datetime(2020, 1, 1, tzinfo=UTC), now) == datetime(2024, 2, 29, tzinfo=UTC)
