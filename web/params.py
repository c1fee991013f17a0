"""Reading request input: the JSON body, its fields and the paging arguments.

Input of the wrong shape raises :class:`~aiflow.errors.InvalidInputError`
(400), so views only see values of the types they asked for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn, TypeVar

from flask import request
from werkzeug.routing import IntegerConverter

from aiflow.errors import InvalidInputError
from aiflow.metadata.queries.paging import Page

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_INT = 2**63 - 1
"""The largest id, offset or try number a database column holds."""


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, whatever its declared content type.

    The body must be strict JSON: ``NaN``, ``Infinity`` and numbers too large
    for a float (``1e999``) are refused, as Python's lenient parser would let
    them through and other JSON readers would not read them back.
    """
    try:
        body = json.loads(request.get_data(cache=True), parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):  # JSONDecodeError, UnicodeDecodeError and the refusals are ValueErrors
        raise InvalidInputError("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInputError(f"the request body must be a JSON object, got {type(body).__name__}")
    return body


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def string_field(body: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """Return the string ``body[name]``; None when absent and not ``required``."""
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"field {name!r} must be a non-empty string")
    return value


def object_field(body: dict[str, Any], name: str) -> dict[str, Any] | None:
    """Return the JSON object ``body[name]``, or None when it is absent or null."""
    value = body.get(name)
    if value is not None and not isinstance(value, dict):
        raise InvalidInputError(f"field {name!r} must be a JSON object")
    return value


def optional_int_arg(name: str, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """Return the integer query argument ``name``, or None when it is absent."""
    found = _number_arg(name, int, "an integer")
    if found is None:
        return None
    value, _ = found
    if not minimum <= value <= maximum:
        raise InvalidInputError(f"query argument {name!r} must be between {minimum} and {maximum}, got {value}")
    return value


def optional_float_arg(name: str, *, minimum: float = 0.0, maximum: float) -> float | None:
    """Return the number query argument ``name``, or None when it is absent."""
    found = _number_arg(name, float, "a number")
    if found is None:
        return None
    value, text = found
    if not minimum <= value <= maximum:  # NaN fails too
        raise InvalidInputError(f"query argument {name!r} must be between {minimum:g} and {maximum:g}, got {text!r}")
    return value


N = TypeVar("N", int, float)


def _number_arg(name: str, convert: Callable[[str], N], kind: str) -> tuple[N, str] | None:
    """Return the query argument ``name`` converted, with its text; None when it is absent."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    try:
        return convert(text), text
    except ValueError:
        raise InvalidInputError(f"query argument {name!r} must be {kind}, got {text!r}") from None


def optional_time_arg(name: str) -> datetime | None:
    """Return the ISO 8601 time query argument ``name`` (UTC without an offset), or None when it is absent."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"query argument {name!r} must be an ISO 8601 time, got {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def int_arg(name: str, default: int, *, minimum: int = 0, maximum: int = MAX_INT) -> int:
    """Return the integer query argument ``name``, or ``default`` when it is absent."""
    value = optional_int_arg(name, minimum=minimum, maximum=maximum)
    return default if value is None else value


def paging() -> tuple[int, int]:
    """Return the ``limit`` (default 100, at most 1000) and ``offset`` of a list request."""
    return int_arg("limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT), int_arg("offset", 0)


def page_json(page: Page[Any], record: Any) -> dict[str, Any]:
    """Return ``{"items": [...], "total": n}`` with each item turned into JSON by ``record``."""
    return {"items": [record(item) for item in page.items], "total": page.total}


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a non-negative integer a database id column can hold."""

    def __init__(self, map: Any) -> None:  # noqa: A002 (Werkzeug's name)
        super().__init__(map, max=MAX_INT)
