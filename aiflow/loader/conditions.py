"""Checking a pickled condition the way workflow files are checked: in a child process.

A trigger's condition of a user's class arrives pickled. The API server never unpickles it: it
hands it to :mod:`aiflow.loader.condition_child`, after authentication and the namespace check,
and gets back the condition's plan, or why it is refused.
"""

from __future__ import annotations

import base64
import json
import tempfile

from aiflow.errors import InvalidInputError
from aiflow.loader.loader import run_child
from aiflow.plan import ConditionPlan, condition_from_dict

CHECK_TIMEOUT = 10.0
"""Seconds a pickled condition may take to load."""


def describe_pickled(kind: str, payload: bytes, timeout: float = CHECK_TIMEOUT) -> ConditionPlan:
    """Return the plan of a pickled ``Condition`` (``kind`` "code") or ``WorkflowRule`` (``kind`` "rule").

    Raises:
        InvalidInputError: it does not unpickle there, is not of that type, or its plan is invalid.
    """
    request = json.dumps({kind: base64.b64encode(payload).decode("ascii")}).encode()
    with tempfile.TemporaryDirectory(prefix="aiflow-condition-") as folder:
        ended = run_child(["aiflow.loader.condition_child"], request, folder, timeout)
    if ended is None:
        raise InvalidInputError(f"the condition did not load within {timeout:g} seconds")
    exit_code, stdout, errors = ended
    try:
        result = json.loads(stdout)
    except ValueError:
        last = (errors.strip().splitlines() or ["no output"])[-1]
        raise InvalidInputError(f"the condition could not be checked (exit code {exit_code}): {last}") from None
    if "error" in result:
        raise InvalidInputError(f"the condition is refused: {result['error']}")
    return condition_from_dict(result.get("condition"), "condition")
