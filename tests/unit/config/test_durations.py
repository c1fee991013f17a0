"""Durations in configuration files."""

from __future__ import annotations

from datetime import timedelta

import pytest

from aiflow.config.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("15m", timedelta(minutes=15)),
     ("90", timedelta(seconds=90)), ("1d12h30m5s", timedelta(days=1, hours=12, minutes=30, seconds=5)),
     (" 2H ", timedelta(hours=2))],
)
def test_parse(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "d", "1x", "1.5h", "-1d", "h1"])
def test_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@pytest.mark.parametrize(("duration", "text"), [(timedelta(days=30), "30d"), (timedelta(0), "0s"),
                                                 (timedelta(days=1, seconds=3661), "1d1h1m1s")])
def test_format_round_trips(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) == duration
