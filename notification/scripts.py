"""The Lua scripts that make sends and time look-ups atomic on the Redis server."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import redis
from redis.commands.core import Script


@cache
def _source(name: str) -> str:
    return (files("notification") / "lua" / f"{name}.lua").read_text(encoding="utf-8")


def load_script(client: redis.Redis, name: str, with_search: bool = False) -> Script:
    """Register the script ``lua/<name>.lua`` (after the shared search helpers when asked)."""
    source = _source(name)
    if with_search:
        source = _source("search") + "\n" + source
    return client.register_script(source)
