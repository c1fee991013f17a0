"""The bounds of every event field, checked before anything is stored."""

from __future__ import annotations

import pytest

from aiflow.errors import InvalidInputError
from notification.event import Event
from notification.limits import (
    MAX_CONTEXT_BYTES,
    MAX_KEY_BYTES,
    MAX_NAMESPACE_BYTES,
    MAX_SENDER_BYTES,
    check_event,
)

VALUE_LIMIT = 100


@pytest.mark.parametrize(
    "event",
    [
        Event(key="k" * MAX_KEY_BYTES, namespace="n" * MAX_NAMESPACE_BYTES, value="v" * VALUE_LIMIT,
              sender="s" * MAX_SENDER_BYTES, context="c" * MAX_CONTEXT_BYTES),
        Event(key="k", namespace=None, value=None, sender=None, context=None),
        Event(key="k", value="", sender="", context=""),
    ],
    ids=["every field at its bound", "optional fields unset", "optional fields empty"],
)
def test_events_within_their_bounds_pass(event: Event) -> None:
    check_event(event, VALUE_LIMIT)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event(key=""), "event key must be a non-empty string"),
        (Event(key="k" * (MAX_KEY_BYTES + 1)), "event key is 1025 bytes; the limit is 1024"),
        (Event(key="k", namespace=""), "event namespace must be a non-empty string"),
        (Event(key="k", namespace="é" * 128), "event namespace is 256 bytes; the limit is 255"),
        (Event(key="k", value="v" * (VALUE_LIMIT + 1)), "event value is 101 bytes; the limit is 100"),
        (Event(key="k", sender="s" * (MAX_SENDER_BYTES + 1)), "event sender is 1025 bytes; the limit is 1024"),
        (Event(key="k", context="c" * (MAX_CONTEXT_BYTES + 1)), "event context is 65537 bytes; the limit is 65536"),
        (Event(key=b"k"), "event key must be a string, got bytes"),  # type: ignore[arg-type]
        (Event(key="k", value=1), "event value must be a string or None, got int"),  # type: ignore[arg-type]
        (Event(key="k", sender=True), "event sender must be a string or None, got bool"),  # type: ignore[arg-type]
        (Event(key="k", value="\udc80"), "event value is not valid Unicode text"),
    ],
)
def test_events_out_of_bounds_are_refused_naming_the_field(event: Event, message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        check_event(event, VALUE_LIMIT)

    assert str(raised.value).startswith(message)
