"""Periodic expressions: ``cron@<crontab>`` and ``interval@<days> <hours> <minutes> <seconds>``.

Parsing validates the expression and says what is wrong. Fire times are pure
functions of the times passed in: nothing here reads the clock. Pass
timezone-aware datetimes (UTC) and results come back in the same timezone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from croniter import CroniterError, croniter

from aiflow.errors import InvalidInputError

_INTERVAL_FIELDS = ("days", "hours", "minutes", "seconds")


class PeriodicKind(str, Enum):
    """The two forms of periodic expression."""

    CRON = "cron"
    INTERVAL = "interval"


@dataclass(frozen=True)
class PeriodicExpression:
    """A parsed periodic expression; build it with :meth:`parse`."""

    kind: PeriodicKind
    body: str
    interval: timedelta | None = None

    @classmethod
    def parse(cls, expression: str) -> PeriodicExpression:
        """Parse and validate ``expression``.

        Raises:
            InvalidInputError: the expression is malformed; the message says how.
        """
        if not isinstance(expression, str):
            raise InvalidInputError(f"A periodic expression must be a string, got {expression!r}")
        prefix, sep, body = expression.partition("@")
        if prefix == PeriodicKind.CRON.value and sep:
            return cls(PeriodicKind.CRON, _checked_cron(expression, body.strip()))
        if prefix == PeriodicKind.INTERVAL.value and sep:
            return cls(PeriodicKind.INTERVAL, body.strip(), _parsed_interval(expression, body))
        raise InvalidInputError(
            f"Invalid periodic expression {expression!r}: expected "
            "'cron@<minute> <hour> <day of month> <month> <day of week>' "
            "or 'interval@<days> <hours> <minutes> <seconds>'"
        )

    def __str__(self) -> str:
        return f"{self.kind.value}@{self.body}"

    def next_fire_time(self, after: datetime) -> datetime:
        """Return the first fire time strictly later than ``after``.

        For an interval, ``after`` is the previous fire time (or the start of
        the schedule), and the next one is one interval later.
        """
        if self.interval is not None:
            return after + self.interval
        return croniter(self.body, after).get_next(datetime)  # type: ignore[no-any-return]

    def latest_due(self, after: datetime, now: datetime) -> datetime | None:
        """Return the latest fire time in ``(after, now]``, or ``None`` if none is due.

        Fire times missed in between collapse into this one, so a scheduler that
        was down fires once on recovery rather than once per missed tick.
        """
        if self.interval is not None:
            missed = (now - after) // self.interval
            return after + missed * self.interval if missed > 0 else None
        latest: datetime = croniter(self.body, now + timedelta(seconds=1)).get_prev(datetime)
        return latest if latest > after else None


def _checked_cron(expression: str, body: str) -> str:
    fields = body.split()
    if len(fields) != 5:
        raise InvalidInputError(
            f"Invalid cron expression {expression!r}: expected 5 fields "
            f"(minute hour day-of-month month day-of-week), got {len(fields)}"
        )
    try:
        croniter(body)
    except CroniterError as err:
        raise InvalidInputError(f"Invalid cron expression {expression!r}: {err}") from None
    return " ".join(fields)


def _parsed_interval(expression: str, body: str) -> timedelta:
    fields = body.split()
    if len(fields) != len(_INTERVAL_FIELDS):
        raise InvalidInputError(
            f"Invalid interval expression {expression!r}: expected 4 fields "
            f"(days hours minutes seconds), got {len(fields)}"
        )
    if not all(field.isdigit() for field in fields):
        raise InvalidInputError(
            f"Invalid interval expression {expression!r}: fields must be non-negative integers"
        )
    interval = timedelta(**dict(zip(_INTERVAL_FIELDS, map(int, fields), strict=True)))
    if not interval:
        raise InvalidInputError(f"Invalid interval expression {expression!r}: the interval is zero")
    return interval
