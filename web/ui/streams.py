"""Server-sent event streams of the web UI: formatting, a bound on open streams, and their lifetime.

A stream holds one of the server's threads while it is open, so a process serves at most
:data:`STREAM_SLOTS` at once (a stream finding none answers 503, and the browser's ``EventSource``
comes back after the ``retry`` delay), and each stream ends after :data:`STREAM_LIFETIME_S`: the
browser reconnects with ``Last-Event-ID`` and carries on exactly where it was. A stream whose
subject is over (an execution or a log that ended) says ``end``, and the page closes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from flask import Response, request, stream_with_context

from aiflow.errors import TransientError

STREAM_SLOTS = 6
"""Streams one server process keeps open at once."""
STREAM_LIFETIME_S = 55.0
KEEPALIVE_S = 3.0
"""A quiet stream writes a comment this often, so one whose browser went away ends within it."""
RETRY_MS = 1000
_slots = threading.BoundedSemaphore(STREAM_SLOTS)


def message(event: str, data: str, event_id: int | str | None = None) -> str:
    """One server-sent event; ``data`` may span lines."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"{head}event: {event}\n{body}\n"


def last_event_id(default: int = 0) -> int:
    """Where a reconnecting browser left off (``Last-Event-ID``), else ``after`` in the URL, else ``default``."""
    for value in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if value and value.isdigit():
            return int(value)
    return default


END = message("end", "over")
"""The last message of a stream whose subject is over; the page then closes it."""

Wait = Callable[[float], Iterator[str]]
"""Waits up to the given seconds for news and yields the messages it makes (none when nothing changed)."""


def event_stream(wait: Wait, on_close: Callable[[], object] | None = None) -> Response:
    """Answer a stream of what ``wait`` yields, until it says :data:`END` or the stream's lifetime is over.

    ``on_close`` runs when the stream ends, however it ends (releasing what ``wait`` holds).

    Raises:
        TransientError: every stream slot of this process is taken (503).
    """
    if not _slots.acquire(blocking=False):
        if on_close is not None:
            on_close()
        raise TransientError("too many live streams are open on this server; the page retries shortly")

    def generate() -> Iterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n\n"
            deadline = time.monotonic() + STREAM_LIFETIME_S
            while (remaining := deadline - time.monotonic()) > 0:
                quiet = True
                for chunk in wait(min(remaining, KEEPALIVE_S)):
                    quiet = False
                    yield chunk
                    if chunk == END:
                        return
                if quiet:
                    yield ": keep-alive\n\n"  # a browser that went away shows here, as a failed write
        finally:
            _slots.release()
            if on_close is not None:
                on_close()

    return Response(stream_with_context(generate()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
