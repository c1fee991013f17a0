"""Reading plain JSON data of a known shape, with errors that say where the shape is wrong."""

from __future__ import annotations

from typing import Any, TypeVar

from aiflow.errors import InvalidInputError

T = TypeVar("T")

MAX_KEY_CHARS = 1024
"""Longest event key a condition may expect (the bus refuses longer keys)."""


class PlanError(InvalidInputError):
    """A plan or condition document does not have the shape this version reads."""


def member(data: dict[str, Any], name: str, kind: type[T], where: str, *, optional: bool = False) -> T:
    """Return ``data[name]`` if it is a ``kind`` (or None when ``optional`` and absent or null)."""
    value = data.get(name)
    if value is None and optional:
        return value  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PlanError(f"{where}: {name!r} must be {_article(kind)}, got {value!r:.80}")
    return value


def number(data: dict[str, Any], name: str, where: str, *, maximum: float) -> float:
    """Return the non-negative number ``data[name]`` (at most ``maximum``)."""
    value = data.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= maximum:
        raise PlanError(f"{where}: {name!r} must be a number from 0 to {maximum:g}, got {value!r:.80}")
    return float(value)


def obj(value: object, where: str) -> dict[str, Any]:
    """Return ``value`` if it is a JSON object."""
    if not isinstance(value, dict):
        raise PlanError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def event_keys(value: object, where: str) -> tuple[str, ...]:
    """Return a non-empty list of non-empty event keys as a tuple."""
    if not isinstance(value, list) or not value:
        raise PlanError(f"{where}: expected a non-empty list of event keys, got {value!r:.80}")
    for key in value:
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            raise PlanError(f"{where}: event keys must be strings of 1 to {MAX_KEY_CHARS} characters, got {key!r:.80}")
    return tuple(value)


def _article(kind: type) -> str:
    return {str: "a string", int: "an integer", list: "a list", dict: "an object", bool: "a boolean"}.get(
        kind, kind.__name__)
