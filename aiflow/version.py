"""The installed AIFlow version."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def get_version() -> str:
    """Return the version of the installed ``aiflow`` distribution."""
    try:
        return version("aiflow")
    except PackageNotFoundError:  # running from a source tree that was never installed
        from aiflow import __version__

        return __version__
