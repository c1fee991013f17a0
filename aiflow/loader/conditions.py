"""Checking a pickled condition the way workflow files are checked: in a sandboxed child process.

A trigger's condition of a user's class arrives pickled. The API server never unpickles it: it
hands it to :mod:`aiflow.loader.condition_child`, after authentication and the namespace check,
and gets back the condition's plan, or why it is refused.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import math

from aiflow.errors import InvalidInputError
from aiflow.plan import ConditionPlan, condition_from_dict
from aiflow.sandbox.policy import SandboxPolicy
from aiflow.sandbox.run import run_sandboxed

CHECK_TIMEOUT = 10.0
"""Seconds a pickled condition may take to load."""

MAX_RESULT_BYTES = 32 * 1024 * 1024
MAX_ERROR_OUTPUT_BYTES = 16 * 1024


def describe_pickled(kind: str, payload: bytes, policy: SandboxPolicy | None = None,
                     timeout: float = CHECK_TIMEOUT) -> ConditionPlan:
    """Return the plan of a pickled ``Condition`` (``kind`` "code") or ``WorkflowRule`` (``kind`` "rule").

    Raises:
        InvalidInputError: it does not unpickle there, is not of that type, or its plan is invalid.
    """
    request = json.dumps({kind: base64.b64encode(payload).decode("ascii")}).encode()
    policy = dataclasses.replace(policy or SandboxPolicy(), cpu_seconds=math.ceil(timeout))
    run = run_sandboxed("aiflow.loader.condition_child", [], policy, timeout=timeout, max_stdout=MAX_RESULT_BYTES,
                        max_stderr=MAX_ERROR_OUTPUT_BYTES, stdin_data=request)
    if run.timed_out:
        raise InvalidInputError(f"the condition did not load within {timeout:g} seconds")
    try:
        result = json.loads(run.stdout)
    except ValueError:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise InvalidInputError(f"the condition could not be checked ({run.describe_exit()}): {last}") from None
    if "error" in result:
        raise InvalidInputError(f"the condition is refused: {result['error']}")
    return condition_from_dict(result.get("condition"), "condition")
