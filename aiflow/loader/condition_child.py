"""The child process that checks a pickled condition: ``python -m aiflow.loader.condition_child``.

The API server runs it (sandboxed, like the workflow loader) for a trigger whose condition is a
user's class: it reads ``{"code": base64}`` (a pickled ``Condition``) or ``{"rule": base64}`` (a
pickled ``WorkflowRule``, as older clients send) on stdin, unpickles it, which is where user code
may run, and writes ``{"condition": <plan>}`` or ``{"error": message}`` to its original stdout.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import sys
from typing import Any

from aiflow.errors import InvalidInputError
from aiflow.loader.describe import describe_condition
from aiflow.model.condition import Condition
from aiflow.model.rule import WorkflowRule


def main() -> None:
    """Check the condition on stdin and write the result; never returns."""
    result_fd = os.dup(1)
    os.dup2(2, 1)  # the user's prints must not corrupt the result
    result: dict[str, Any]
    try:
        result = {"condition": describe(json.loads(sys.stdin.buffer.read())).to_dict()}
    except BaseException as exc:  # unpickling runs user code, which may raise anything
        result = {"error": f"{type(exc).__name__}: {exc}"[:4000]}
    with os.fdopen(result_fd, "w") as out:
        json.dump(result, out)
    sys.stderr.flush()
    os._exit(0)  # do not wait for threads the user's code may have started


def describe(request: dict[str, Any]) -> Any:
    """Return the plan of the pickled condition or rule in ``request``."""
    if "rule" in request:
        rule = pickle.loads(base64.b64decode(request["rule"], validate=True))
        if not isinstance(rule, WorkflowRule):
            raise InvalidInputError(f"the rule unpickles to a {type(rule).__name__}, not a WorkflowRule")
        return describe_condition(rule.condition)
    condition = pickle.loads(base64.b64decode(request["code"], validate=True))
    if not isinstance(condition, Condition):
        raise InvalidInputError(f"the code unpickles to a {type(condition).__name__}, not a Condition")
    return describe_condition(condition)


if __name__ == "__main__":
    main()
