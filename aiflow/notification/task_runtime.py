"""The try a task process runs, as its worker describes it in ``AIFLOW_TASK_RUNTIME`` (docs/contracts.md §6).

It names the try and its workflow, the API server's address, the try's token
(:mod:`aiflow.try_token`): the one credential a task holds, and the run folder the
package is unpacked in. It holds no Redis URL or password.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field

from aiflow.errors import AIFlowError

TASK_RUNTIME_ENV = "AIFLOW_TASK_RUNTIME"
"""The environment variable in which the worker describes the running task."""


@dataclass(frozen=True)
class TaskRuntime:
    """The running try; ``try_token`` is empty when its start job carried none (it was not sent by a scheduler)."""

    api_address: str
    try_token: str = field(repr=False)
    namespace: str
    workflow_name: str
    workflow_execution_id: int
    task_name: str
    task_execution_id: int
    try_number: int
    run_folder: str = ""

    def to_json(self) -> str:
        """Return the value of :data:`TASK_RUNTIME_ENV` that describes this try."""
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> TaskRuntime:
        """Read the running try from the environment.

        Raises:
            AIFlowError: this process is not a task that AIFlow runs.
        """
        value = os.environ.get(TASK_RUNTIME_ENV)
        if value is None:
            raise AIFlowError(
                "AIFlowNotificationClient can only be used inside a task that AIFlow runs "
                f"(the worker sets {TASK_RUNTIME_ENV}; it is not set in this process)"
            )
        try:
            return cls(**json.loads(value))
        except (ValueError, TypeError) as err:
            raise AIFlowError(f"{TASK_RUNTIME_ENV} does not describe a task: {_without_values(err)}") from None


def _without_values(err: Exception) -> str:
    """The error of a malformed runtime, which names fields but never echoes their values (the token)."""
    if isinstance(err, json.JSONDecodeError):
        return f"not JSON ({err.msg} at character {err.pos})"
    return str(err)
