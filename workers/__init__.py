"""AIFlow's Celery workers: the app, the start job, and the task runtime.

``celery -A workers worker`` and ``celery -A workers flower`` find the app as
``workers.app``, built from ``aiflow_server.yaml`` on first access (never at
import). Code that has a configuration at hand calls
:func:`workers.celery_app.create_app` instead.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from celery import Celery


@cache
def default_app() -> Celery:
    """The app built from ``aiflow_server.yaml``, once per process (``celery -A workers`` keeps its files private)."""
    from aiflow.file_modes import keep_files_private
    from workers.celery_app import create_app

    keep_files_private()
    return create_app()


def __getattr__(name: str) -> Any:
    if name == "app":
        return default_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
