"""The Lua scripts that make sends and time look-ups atomic on the Redis server."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError
from redis.typing import EncodableT, KeyT


@cache
def _source(name: str) -> str:
    return (files("notification") / "lua" / f"{name}.lua").read_text(encoding="utf-8")


def load_script(client: redis.Redis, name: str, with_search: bool = False) -> Script:
    """Register the script ``lua/<name>.lua`` (after the shared search helpers when asked)."""
    source = _source(name)
    if with_search:
        source = _source("search") + "\n" + source
    return client.register_script(source)


ScriptCall = tuple[Sequence[KeyT], Sequence[EncodableT]]
"""The keys and arguments of one run of a script."""


def run_pipelined(client: redis.Redis, script: Script, calls: Sequence[ScriptCall]) -> list[Any]:
    """Run ``script`` once per ``(keys, args)`` in one round trip; return the replies in order.

    A redis-py pipeline holding scripts first asks the server which of them it knows
    (``SCRIPT EXISTS``), a round trip of its own before every batch. This sends ``EVALSHA``
    straight away and loads the script only when the server answers that it lacks it (a
    restarted or flushed Redis), then sends the batch again: the scripts run this way are
    safe to repeat.
    """
    if not calls:
        return []

    def send() -> list[Any]:
        pipe = client.pipeline(transaction=False)
        for keys, args in calls:
            pipe.evalsha(script.sha, len(keys), *keys, *args)
        return pipe.execute()

    try:
        return send()
    except NoScriptError:
        client.script_load(script.script)
        return send()
