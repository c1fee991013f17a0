"""The child process that loads a workflow file: ``python -m aiflow.loader.child <path> <timeout>``.

It writes one JSON document to its original stdout: ``{"workflows": [...]}``
or ``{"error": {...}}``. Anything the user's file prints goes to stderr. If
loading takes longer than ``timeout`` seconds, faulthandler prints where the
file was stuck (after a line starting with :data:`TIMEOUT_MARKER`) and exits.
"""

from __future__ import annotations

import faulthandler
import json
import os
import sys
from typing import Any

from aiflow.loader.collect import collect_workflows
from aiflow.loader.errors import WorkflowFileError

TIMEOUT_MARKER = "Timeout ("
"""How faulthandler starts the traceback it prints when the time limit passes."""


def main(path: str, timeout: float) -> None:
    """Load ``path`` and write the result; never returns."""
    result_fd = os.dup(1)
    os.dup2(2, 1)  # the user's prints must not corrupt the result
    faulthandler.dump_traceback_later(timeout, exit=True)
    result: dict[str, Any]
    try:
        result = {"workflows": [w.to_dict() for w in collect_workflows(path)]}
    except WorkflowFileError as err:
        result = {"error": err.to_dict()}
    faulthandler.cancel_dump_traceback_later()
    with os.fdopen(result_fd, "w") as out:
        json.dump(result, out)
    sys.stderr.flush()
    os._exit(0)  # do not wait for threads the user's file may have started


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]))
