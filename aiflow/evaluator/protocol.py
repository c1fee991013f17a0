"""The evaluator's wire format: one JSON object per line, bytes as base64.

Request: ``{"id", "code_id", "code"?, "event": {...}, "statuses": {task: status}, "state": b64 | null}``;
``code`` (the condition's pickle) is sent only until the process has it (it answers
``{"id", "need_code": true}`` otherwise). Reply: ``{"id", "met": bool, "state": b64 | null}`` or
``{"id", "error": "<traceback>"}``.
"""

from __future__ import annotations

import base64
import json
from typing import IO, Any

MAX_LINE_BYTES = 64 * 1024 * 1024
"""Longest message either side accepts (a request carries a condition's pickle and its state)."""


class ProtocolError(Exception):
    """The other side sent something that is not a message of this protocol."""


def encode_bytes(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def decode_bytes(value: object) -> bytes | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProtocolError(f"expected base64 text, got {type(value).__name__}")
    return base64.b64decode(value)


def write_message(stream: IO[bytes], message: dict[str, Any]) -> None:
    """Send one message and flush it."""
    stream.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")
    stream.flush()


def read_message(stream: IO[bytes]) -> dict[str, Any] | None:
    """Read one message; None at the end of the stream.

    Raises:
        ProtocolError: the line is too long or not a JSON object.
    """
    line = stream.readline(MAX_LINE_BYTES + 1)
    if not line:
        return None
    if len(line) > MAX_LINE_BYTES or not line.endswith(b"\n"):
        raise ProtocolError("message too long or cut off")
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise ProtocolError(f"not JSON: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message
