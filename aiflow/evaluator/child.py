"""The evaluator process: ``python -m aiflow.evaluator.child``, answering requests on stdin/stdout.

It runs in a sandbox (see :mod:`aiflow.evaluator.pool`). Each request unpickles the condition
afresh, so nothing a condition keeps on itself survives to the next event: durable state goes
through ``context.get_state``, whose values come in with the request and go back pickled with
the verdict. The protocol uses a private copy of stdout; the user's prints go to stderr.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from collections import OrderedDict
from typing import IO, Any

import cloudpickle

from aiflow.evaluator.protocol import ProtocolError, decode_bytes, encode_bytes, read_message, write_message
from aiflow.model.condition import Condition
from aiflow.model.context import MappingContext
from aiflow.model.status import TaskStatus
from notification.event import Event

MAX_CODES = 256
"""Condition pickles kept, most recently used first; the scheduler sends an evicted one again."""

MAX_ERROR_CHARS = 8000


def main() -> None:
    """Answer requests until stdin ends."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever the user's code prints must not corrupt the replies
    serve(sys.stdin.buffer, replies)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    codes: OrderedDict[str, bytes] = OrderedDict()
    while True:
        try:
            request = read_message(requests)
        except ProtocolError as exc:
            write_message(replies, {"id": None, "error": f"bad request: {exc}"})
            continue
        if request is None:
            return
        write_message(replies, answer(request, codes))


def answer(request: dict[str, Any], codes: OrderedDict[str, bytes]) -> dict[str, Any]:
    """Evaluate one request; user errors come back as an ``error`` reply."""
    request_id = request.get("id")
    try:
        code_id = str(request["code_id"])
        code = decode_bytes(request.get("code"))
        if code is not None:
            codes[code_id] = code
        elif code_id not in codes:
            return {"id": request_id, "need_code": True}
        codes.move_to_end(code_id)
        while len(codes) > MAX_CODES:
            codes.popitem(last=False)
        event = Event(**request["event"])
        statuses = {name: TaskStatus(status) for name, status in request["statuses"].items()}
        state = decode_bytes(request.get("state"))
    except (KeyError, TypeError, ValueError, ProtocolError) as exc:
        return {"id": request_id, "error": f"bad request: {exc!r}"}
    try:
        met, new_state = evaluate(codes[code_id], event, statuses, state)
    except BaseException:  # the user's code may raise anything, SystemExit included
        return {"id": request_id, "error": traceback.format_exc()[-MAX_ERROR_CHARS:]}
    return {"id": request_id, "met": met, "state": encode_bytes(new_state)}


def evaluate(code: bytes, event: Event, statuses: dict[str, TaskStatus],
             state: bytes | None) -> tuple[bool, bytes | None]:
    """Unpickle the condition and call ``is_met`` with a context over the given statuses and state."""
    condition = pickle.loads(code)
    if not isinstance(condition, Condition):
        raise TypeError(f"the condition's code holds a {type(condition).__name__}, not a Condition")
    values: dict[str, Any] = pickle.loads(state) if state else {}
    met = bool(condition.is_met(event, MappingContext(statuses, values)))
    try:
        new_state = cloudpickle.dumps(values) if values else None
    except Exception as exc:
        raise TypeError(f"the condition's state cannot be pickled: {type(exc).__name__}: {exc}") from None
    return met, new_state


if __name__ == "__main__":
    main()
