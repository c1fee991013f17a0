"""Named points where a test can make a worker process die, to prove that no try is left behind.

Setting ``AIFLOW_WORKER_CRASH_AT`` to a point's name makes the process running a try kill itself
with SIGKILL when the try reaches that point, as a crash or ``kill -9`` would; ``NAME:N`` does so
only for tries numbered ``N`` (so that a retry runs). The scheduler has its own
(:mod:`aiflow.scheduler.crash_points`).
"""

from __future__ import annotations

import os
import signal

CLAIMED = "CLAIMED"  # the try is claimed and beating; its package is not prepared, its process not launched
STOPPING = "STOPPING"  # a stop reached the try's supervisor, which has not ended the try yet

_ENV = "AIFLOW_WORKER_CRASH_AT"


def crash_point(name: str, try_number: int) -> None:
    """Die at once if the environment asks for a crash at ``name`` (for this try number, or any)."""
    if os.environ.get(_ENV) in (name, f"{name}:{try_number}"):
        os.kill(os.getpid(), signal.SIGKILL)
