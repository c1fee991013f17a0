"""Reading a task try's log from its capped Redis stream, a page at a time.

Workers append each line to ``TaskKeys.log`` (field ``line``) and set
``TaskKeys.log_done`` when the try ends. A reader keeps the id of the last
entry it saw as its cursor and asks for what came after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

import redis

from aiflow.errors import InvalidInputError
from notification.keys import TaskKeys

START_CURSOR = "0-0"
"""The cursor before the first line."""

Entries = list[tuple[bytes, dict[bytes, bytes]]]
_CURSOR = re.compile(r"^\d+-\d+$")


@dataclass(frozen=True)
class LogPage:
    """Lines after a cursor, the cursor to continue from, and whether the log is complete."""

    lines: list[str]
    next: str
    finished: bool


def read_task_log(
    client: redis.Redis,
    task_execution_id: int,
    try_number: int,
    after: str | None = None,
    limit: int = 1000,
    keys: TaskKeys | None = None,
) -> LogPage:
    """Return up to ``limit`` lines of one try's log written after the cursor ``after``.

    ``finished`` is true once the worker has marked the log done and no line is
    left after the returned cursor.

    Raises:
        InvalidInputError: ``after`` is not a cursor this function returned.
    """
    keys = keys or TaskKeys()
    cursor = after or START_CURSOR
    if not _CURSOR.match(cursor):
        raise InvalidInputError(f"invalid log cursor {after!r}; pass the 'next' value of the previous page")
    done = bool(client.exists(keys.log_done(task_execution_id, try_number)))  # read before the lines
    stream = keys.log(task_execution_id, try_number)
    entries = cast(Entries, client.xrange(stream, f"({cursor}", "+", count=limit))
    lines = [fields.get(b"line", b"").decode("utf-8", errors="replace") for _, fields in entries]
    if entries:
        cursor = entries[-1][0].decode("ascii")
    return LogPage(lines, cursor, done and len(entries) < limit)
