"""The bounds every event field must keep before the bus stores it.

Checked by :meth:`notification.client.NotificationClient.send_event` before anything
reaches Redis, so a refused event leaves the store unchanged. Sizes are of the
UTF-8 encoding, in bytes.
"""

from __future__ import annotations

from aiflow.errors import InvalidInputError
from notification.event import Event

MAX_KEY_BYTES = 1024
MAX_NAMESPACE_BYTES = 255
MAX_SENDER_BYTES = 1024
MAX_CONTEXT_BYTES = 64 * 1024
#: The default largest value (``max_event_value_bytes`` of the notification config).
DEFAULT_MAX_VALUE_BYTES = 1024 * 1024


def check_event(event: Event, max_value_bytes: int) -> None:
    """Refuse an event with a field of the wrong type, an empty key or namespace, or a field over its bound.

    Raises:
        InvalidInputError: naming the field and its bound.
    """
    _check_text("key", event.key, MAX_KEY_BYTES, optional=False)
    _check_text("namespace", event.namespace, MAX_NAMESPACE_BYTES)
    _check_text("value", event.value, max_value_bytes, may_be_empty=True)
    _check_text("sender", event.sender, MAX_SENDER_BYTES, may_be_empty=True)
    _check_text("context", event.context, MAX_CONTEXT_BYTES, may_be_empty=True)


def _check_text(name: str, value: object, limit: int, *, optional: bool = True, may_be_empty: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        kind = "a string" if not optional else "a string or None"
        raise InvalidInputError(f"event {name} must be {kind}, got {type(value).__name__}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidInputError(f"event {name} is not valid Unicode text (it holds a lone surrogate)") from None
    if not size and not may_be_empty:
        raise InvalidInputError(f"event {name} must be a non-empty string")
    if size > limit:
        raise InvalidInputError(f"event {name} is {size} bytes; the limit is {limit}")
