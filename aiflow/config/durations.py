"""Durations written as ``30d``, ``12h``, ``90s`` or ``1d12h30m`` in configuration files."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([dhms])")
_WHOLE = re.compile(r"(?:\d+[dhms])+")


def parse_duration(text: str) -> timedelta:
    """Parse ``<n><unit>`` parts (units d, h, m, s); a bare number means seconds.

    Raises:
        ValueError: the text is not a duration.
    """
    text = text.strip().lower()
    if text.isdigit():
        return timedelta(seconds=int(text))
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"expected a duration such as 30d, 12h, 15m or 90s, got {text!r}")
    return timedelta(seconds=sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text)))


def format_duration(duration: timedelta) -> str:
    """Write ``duration`` in the shortest ``1d12h``-style form (``0s`` for zero)."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
