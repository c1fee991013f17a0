"""Periodic expressions: ``cron@<crontab>`` and ``interval@<days> <hours> <minutes> <seconds>``.

Parsing validates the expression and says what is wrong; an expression that
parses can run: a cron expression fires at some time (``0 0 31 2 *`` never
does and is refused), an interval lasts from one second to :data:`MAX_INTERVAL`.
Fire times are pure functions of the times passed in: nothing here reads the
clock. Pass timezone-aware datetimes (UTC) and results come back in the same
timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from croniter import CroniterError, croniter

from aiflow.errors import InvalidInputError

MAX_EXPRESSION_LENGTH = 512
"""The longest periodic expression accepted, in characters."""
MAX_INTERVAL = timedelta(days=3650)
"""The longest interval accepted (about ten years)."""

_FIELD_SECONDS = (86400, 3600, 60, 1)  # days, hours, minutes, seconds
_DIGITS = re.compile(r"[0-9]+")
_MAX_FIELD_DIGITS = len(str(int(MAX_INTERVAL.total_seconds())))  # more digits exceed MAX_INTERVAL in any unit
_PROBE_FROM = datetime(2000, 1, 1, tzinfo=UTC)
"""Where a cron expression's first fire time is looked for, to refuse one that never fires."""


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
        if len(expression) > MAX_EXPRESSION_LENGTH:
            raise InvalidInputError(
                f"A periodic expression must be at most {MAX_EXPRESSION_LENGTH} characters, got {len(expression)}"
            )
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
    if any(field.lower().startswith("r") for field in fields):
        raise InvalidInputError(
            f"Invalid cron expression {expression!r}: random fields ('R') are not supported, "
            "since fire times must come out the same each time they are computed"
        )
    try:
        iterator = croniter(body, _PROBE_FROM)
    except CroniterError as err:
        raise InvalidInputError(f"Invalid cron expression {expression!r}: {err}") from None
    try:
        iterator.get_next(datetime)
    except CroniterError:
        raise InvalidInputError(
            f"Invalid cron expression {expression!r}: it never fires (no such date, as the 31st of February)"
        ) from None
    return " ".join(fields)


def _parsed_interval(expression: str, body: str) -> timedelta:
    fields = body.split()
    if len(fields) != len(_FIELD_SECONDS):
        raise InvalidInputError(
            f"Invalid interval expression {expression!r}: expected 4 fields "
            f"(days hours minutes seconds), got {len(fields)}"
        )
    if not all(_DIGITS.fullmatch(field) for field in fields):
        raise InvalidInputError(
            f"Invalid interval expression {expression!r}: fields must be non-negative integers"
        )
    too_long = f"Invalid interval expression {expression!r}: the interval is longer than {MAX_INTERVAL.days} days"
    if any(len(field) > _MAX_FIELD_DIGITS for field in fields):
        raise InvalidInputError(too_long)
    seconds = sum(int(field) * unit for field, unit in zip(fields, _FIELD_SECONDS, strict=True))
    if not seconds:
        raise InvalidInputError(f"Invalid interval expression {expression!r}: the interval is zero")
    if seconds > MAX_INTERVAL.total_seconds():
        raise InvalidInputError(too_long)
    return timedelta(seconds=seconds)
