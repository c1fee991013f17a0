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
_RANGE_PAGE = 500


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


@dataclass(frozen=True)
class LogRange:
    """Lines that end just before a cursor (or at the log's end), and where they start.

    ``earlier`` is the cursor to read the range before this one with, None when these lines start the log;
    ``end`` is the cursor of the last line (for following the log from there).
    """

    lines: list[str]
    earlier: str | None
    end: str


def read_task_log_range(
    client: redis.Redis,
    task_execution_id: int,
    try_number: int,
    before: str | None = None,
    max_bytes: int = 64 * 1024,
    keys: TaskKeys | None = None,
) -> LogRange:
    """Return the last lines of one try's log before the cursor ``before`` (default: its end), about ``max_bytes``.

    Lines are read backwards a page at a time until ``max_bytes`` of text are gathered, so a
    range costs its size whatever the log's length; at least one line is returned when any is left.

    Raises:
        InvalidInputError: ``before`` is not a cursor.
    """
    keys = keys or TaskKeys()
    if before is not None and not _CURSOR.match(before):
        raise InvalidInputError(f"invalid log cursor {before!r}; pass the 'earlier' value of the previous range")
    stream = keys.log(task_execution_id, try_number)
    newest = cast(Entries, client.xrevrange(stream, "+", "-", count=1))
    end = newest[0][0].decode("ascii") if newest else START_CURSOR
    gathered: Entries = []
    size, top = 0, f"({before}" if before else "+"
    while size < max_bytes:
        page = cast(Entries, client.xrevrange(stream, top, "-", count=_RANGE_PAGE))
        for entry in page:
            if size >= max_bytes and gathered:
                break
            gathered.append(entry)
            size += len(entry[1].get(b"line", b"")) + 1
        if len(page) < _RANGE_PAGE or size >= max_bytes:
            break
        top = "(" + page[-1][0].decode("ascii")
    gathered.reverse()
    first = gathered[0][0].decode("ascii") if gathered else None
    has_earlier = first is not None and bool(client.xrevrange(stream, f"({first}", "-", count=1))
    lines = [fields.get(b"line", b"").decode("utf-8", errors="replace") for _, fields in gathered]
    return LogRange(lines, first if has_earlier else None, end)


def wait_for_task_log(
    client: redis.Redis,
    task_execution_id: int,
    try_number: int,
    after: str,
    timeout: float,
    keys: TaskKeys | None = None,
) -> LogPage:
    """Block up to ``timeout`` seconds for lines after the cursor ``after``; return them (maybe none).

    Raises:
        InvalidInputError: ``after`` is not a cursor.
    """
    keys = keys or TaskKeys()
    if not _CURSOR.match(after):
        raise InvalidInputError(f"invalid log cursor {after!r}")
    page = read_task_log(client, task_execution_id, try_number, after, keys=keys)
    if page.lines or page.finished:
        return page
    client.xread({keys.log(task_execution_id, try_number): after}, count=1, block=max(1, int(timeout * 1000)))
    return read_task_log(client, task_execution_id, try_number, after, keys=keys)
