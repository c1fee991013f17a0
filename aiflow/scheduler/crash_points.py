"""Named points where a test can make the scheduler die, to prove recovery at each.

Setting ``AIFLOW_SCHEDULER_CRASH_AT`` to a point's name (for the scheduler
process only) makes the process kill itself with SIGKILL when it reaches that
point, like a crash or ``kill -9`` would, leaving no chance to clean up.
"""

from __future__ import annotations

import os
import signal

EVENT_READ = "EVENT_READ"  # a batch was read from the log, nothing applied yet
STATE_COMMITTED = "STATE_COMMITTED"  # the batch's state, offset and outbox rows are committed
OUTBOX_SENT = "OUTBOX_SENT"  # its jobs were handed to the broker, not yet marked sent

_ENV = "AIFLOW_SCHEDULER_CRASH_AT"


def crash_point(name: str) -> None:
    """Die at once if the environment asks for a crash at ``name``."""
    if os.environ.get(_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
