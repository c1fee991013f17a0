"""The attacks of an editor token holder, on a stack of real processes.

Each attack's code tries to leave a trace (a file named for the process it ran in, holding that
process's command line) in a folder that the API server and the scheduler could write to, but a
sandbox cannot. So a trace from either process proves the attack ran there. Each is tried with the
editor token of the attacked namespace and with that of another one; afterwards every process
still runs, the canary sings, and no secret is in an answer or a log.
"""

from __future__ import annotations

import base64
import os
import pickle
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.rule import WorkflowRule
from aiflow.ops.workflow_trigger_ops import trigger_body
from notification.event import Event
from tests.faults.stack import Api
from tests.faults.world import finished_status
from tests.security.conftest import SECRETS, Secured
from tests.support import wait_until

VICTIM = """
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="victim") as workflow:
    BashOperator(name="t", bash_command="echo victim")
"""


def leave_trace(folder: str, what: str) -> None:
    """Write this process's command line to ``folder``/``what-<pid>``, if this process may."""
    try:
        command_line = Path("/proc/self/cmdline").read_bytes().replace(b"\0", b" ")
        Path(folder, f"{what}-{os.getpid()}").write_bytes(command_line)
    except OSError:
        pass


class Shell:
    """A pickle that runs a shell command when it is loaded: what the crafted trigger body held."""

    def __init__(self, command: str) -> None:
        self.command = command

    def __reduce__(self) -> tuple[Any, ...]:
        return os.system, (self.command,)


class Sneaky(Condition):
    """A custom condition that passes every check, leaving a trace wherever it is loaded or evaluated."""

    def __init__(self, keys: list[str], traces: str) -> None:
        super().__init__(keys)
        self.traces = traces

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        leave_trace(self.traces, "unpickled")

    def is_met(self, event: Event, context: Context) -> bool:
        leave_trace(self.traces, "evaluated")
        return True


cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def victim(secured: Secured) -> str:
    """Namespace a's workflow ``victim``: the URL of its workflow resource."""
    response = secured.admin.upload("a", {"victim.py": VICTIM})
    assert response.status_code == 201, response.text
    return "/namespaces/a/workflows/victim"


def traces(secured: Secured) -> dict[str, str]:
    return {path.name: path.read_text() for path in secured.traces.iterdir()}


def attacker(secured: Secured, whose: str) -> Api:
    """The editor of the attacked namespace a (``own``) or of namespace b (``other``)."""
    return secured.editors["a" if whose == "own" else "b"]


def assert_refused_as_other(response: Any, whose: str) -> bool:
    """An editor of another namespace is refused before anything is looked at; return whether it was."""
    if whose == "other":
        assert response.status_code == 403, response.text
    return whose == "other"


def assert_no_secret(text: str) -> None:
    assert not [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_crafted_pickle_in_a_trigger_request_runs_no_command_in_the_server(
    whose: str, secured: Secured, victim: str
) -> None:
    config = secured.stack.folder / "home" / "aiflow_server.yaml"
    command = f"id > {secured.traces}/shell-$$; cat {config}; cat {config} >&2"
    body = {"rule": base64.b64encode(pickle.dumps(Shell(command))).decode()}

    response = attacker(secured, whose).post(f"{victim}/triggers", json=body)

    if not assert_refused_as_other(response, whose):
        assert response.status_code == 400, response.text
        assert "not a WorkflowRule" in response.json()["detail"]
    assert_no_secret(response.text)
    assert traces(secured) == {}
    assert secured.admin.ok("GET", f"{victim}/triggers")["total"] == 0
    secured.assert_unharmed()


@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_custom_condition_runs_only_in_sandboxes_when_checked_and_evaluated(
    whose: str, secured: Secured, victim: str
) -> None:
    key = f"sneak-{whose}"
    body = trigger_body(WorkflowRule(Sneaky([key], str(secured.traces))))
    before = secured.admin.ok("GET", f"{victim}/executions")["total"]

    response = attacker(secured, whose).post(f"{victim}/triggers", json=body)

    if not assert_refused_as_other(response, whose):
        assert response.status_code == 201, response.text
        sent = attacker(secured, whose).post("/namespaces/a/events", json={"key": key})
        assert sent.status_code == 201, sent.text
        # The trigger starts an execution only if the condition was loaded and evaluated somewhere.
        wait_until(lambda: secured.admin.ok("GET", f"{victim}/executions")["total"] > before, timeout=10,
                   message="the trigger's condition to be evaluated and start an execution")
        secured.admin.ok("DELETE", f"{victim}/triggers")
    assert traces(secured) == {}
    secured.assert_unharmed()


def test_an_attribute_with_a_crafted_reduce_runs_nowhere_but_in_the_task(secured: Secured) -> None:
    source = "\n".join([
        "import os",
        "from ai_flow.model.workflow import Workflow",
        "from ai_flow.operators.bash import BashOperator",
        "class Spy:",
        "    def __reduce__(self):",
        f"        return os.system, ('cat /proc/$PPID/cmdline > {secured.traces}/reduce-$PPID',)",
        "with Workflow(name='spied') as workflow:",
        "    task = BashOperator(name='t', bash_command='echo done')",
        "    task.spy = Spy()",
    ])
    other = secured.editors["b"].upload("a", {"spied.py": source})
    assert other.status_code == 403, other.text
    own = secured.editors["a"]
    assert own.upload("a", {"spied.py": source}).status_code == 201

    execution_id = own.start("a", "spied")

    status = wait_until(lambda: finished_status(own.execution(execution_id)), timeout=30,
                        message="the spied workflow's execution to finish")
    assert status == "SUCCESS", own.execution(execution_id)
    assert secured.editors["b"].post("/namespaces/a/workflows/spied/executions").status_code == 403
    outside_tasks = {name: line for name, line in traces(secured).items() if "workers.runtime" not in line}
    assert outside_tasks == {}
    secured.assert_unharmed()


@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_workflow_file_reading_the_server_configuration_learns_nothing(whose: str, secured: Secured) -> None:
    config = secured.stack.folder / "home" / "aiflow_server.yaml"
    source = f"raise Exception(open({str(config)!r}).read())\n"

    response = attacker(secured, whose).upload("a", {"reader.py": source})

    if not assert_refused_as_other(response, whose):
        assert response.status_code == 400, response.text
        assert "PermissionError" in response.json()["detail"]
    assert_no_secret(response.text)
    assert secured.admin.get("/namespaces/a/workflows/reader").status_code == 404
    secured.assert_unharmed()
