"""Faults of one execution's custom conditions and snapshot: that execution fails with why, nothing else does.

Each workflow here has a task that runs from the start (``busy``) and a task started by a custom
condition on event ``poke`` (``gated``). The fault shows when ``poke`` is sent in namespace
``default``: the execution is FAILED with the error, ``busy`` is stopped, and the canary in
namespace ``canary`` goes on.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import update

from aiflow.metadata.definitions import WorkflowSnapshot
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.session import session_scope
from tests.faults.conftest import Scene
from tests.faults.world import applied_offset, finished_status
from tests.support import wait_until

GATED = '''
import os
import threading
import time

from ai_flow.model.action import TaskAction
from ai_flow.model.condition import Condition
from ai_flow.model.state import ValueStateDescriptor
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator


class Gate(Condition):
    def is_met(self, event, context):
        {body}


with Workflow(name="{name}") as workflow:
    BashOperator(name="busy", bash_command="sleep 600")
    gated = BashOperator(name="gated", bash_command="echo passed")
    gated.action_on_condition(TaskAction.START, Gate(expect_event_keys=["poke"]))
'''

FAULTS = {
    "raises": ("raise ZeroDivisionError('a user bug')", "ZeroDivisionError: a user bug"),
    "hangs": ("time.sleep(3600)", "the condition did not answer within 1 seconds"),
    "kills_its_evaluator": ("os._exit(3)", "the evaluator process ended"),
    "keeps_unpicklable_state": ("context.get_state(ValueStateDescriptor('lock')).update(threading.Lock()); "
                                "return False", "the condition's state cannot be pickled"),
}


def upload_gated(scene: Scene, name: str, body: str) -> dict[str, Any]:
    response = scene.api.upload("default", {f"{name}.py": GATED.format(name=name, body=body)})
    assert response.status_code == 201, response.text
    return dict(response.json())


def started_and_busy(scene: Scene, name: str) -> int:
    """Start an execution of ``name``; return its id once ``busy`` runs."""
    execution_id = scene.api.start("default", name)
    wait_until(lambda: [(t["task_name"], t["status"]) for t in scene.api.task_executions(execution_id)]
               == [("busy", "RUNNING")], timeout=15, message="busy to run")
    return execution_id


def poke(scene: Scene) -> int:
    """Send ``poke`` in namespace default through the API; return its offset."""
    return int(scene.api.ok("POST", "/namespaces/default/events", json={"key": "poke", "value": "1"})["offset"])


def assert_failed_with(scene: Scene, execution_id: int, error: str) -> dict[str, Any]:
    """The execution is FAILED with ``error`` shown through the API, and its running task was stopped."""
    failed = wait_until(lambda: (e := scene.api.execution(execution_id))["status"] == "FAILED" and e,
                        timeout=15, message=f"execution {execution_id} to fail")
    assert error in (failed["error"] or ""), failed["error"]
    assert [(t["task_name"], t["status"]) for t in settled_tasks(scene, execution_id)] == [("busy", "STOPPED")]
    return dict(failed)


def settled_tasks(scene: Scene, execution_id: int) -> list[dict[str, Any]]:
    """The execution's task executions, once none of them is running or stopping."""
    def settled() -> list[dict[str, Any]] | None:
        found = scene.api.task_executions(execution_id)
        return found if found and all(t["status"] not in ("RUNNING", "STOPPING") for t in found) else None

    tasks = wait_until(settled, timeout=15, message=f"the tasks of execution {execution_id} to settle")
    assert tasks is not None
    return tasks


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failing_condition_fails_its_execution_only(fault: str, scene: Scene) -> None:
    body, error = FAULTS[fault]
    upload_gated(scene, fault, body)
    execution_id = started_and_busy(scene, fault)

    poke(scene)
    scene.canary_sings()

    assert_failed_with(scene, execution_id, error)
    scene.assert_contained()


def test_a_condition_that_cannot_be_unpickled_fails_its_execution_only(scene: Scene) -> None:
    workflow = upload_gated(scene, "junk_code", "return True")
    tamper_plan(scene, workflow["snapshot"]["id"], junk_code)
    execution_id = started_and_busy(scene, "junk_code")

    poke(scene)
    scene.canary_sings()

    assert_failed_with(scene, execution_id, "Gate")
    scene.assert_contained()


def junk_code(plan: dict[str, Any]) -> str:
    """The plan with its custom condition's pickle replaced by bytes that do not unpickle."""
    (rule,) = plan["rules"]
    rule["condition"]["code"] = base64.b64encode(b"not a pickle").decode()
    return json.dumps(plan)


def tamper_plan(scene: Scene, snapshot_id: int, change: Any) -> None:
    """Rewrite a snapshot's stored plan with ``change(plan)`` (JSON text or None), straight in the database."""
    with session_scope(scene.engine) as session:
        snapshot = session.get_one(WorkflowSnapshot, snapshot_id)
        snapshot.plan = change(json.loads(snapshot.plan or "{}"))


@pytest.mark.parametrize(("change", "error"), [
    (lambda plan: "{not json", "the plan is not valid JSON"),
    (lambda plan: None, "the snapshot has no plan"),
    (lambda plan: json.dumps({**plan, "version": 99}), "plan version 99"),
    (lambda plan: json.dumps({**plan, "tasks": [{"name": "../busy"}]}), "Task name"),
], ids=["not_json", "null", "other_version", "bad_task"])
def test_an_execution_whose_plan_is_tampered_fails_alone(
    change: Any, error: str, scene: Scene, request: pytest.FixtureRequest
) -> None:
    name = f"tampered_{request.node.callspec.id}"
    workflow = upload_gated(scene, name, "return True")
    tamper_plan(scene, workflow["snapshot"]["id"], change)

    execution_id = scene.api.start("default", name)
    scene.canary_sings()

    failed = wait_until(lambda: (e := scene.api.execution(execution_id))["status"] == "FAILED" and e,
                        timeout=15, message="the tampered execution to fail")
    assert error in failed["error"], failed["error"]
    assert scene.api.task_executions(execution_id) == []
    scene.assert_contained()


COUNTING_MODULE = '''
from ai_flow.model.condition import Condition
from ai_flow.model.state import ValueStateDescriptor


class SumReaches(Condition):
    """Met once the values of the expected events add up to ``target``."""

    def __init__(self, target, expect_event_keys):
        super().__init__(expect_event_keys)
        self.target = target

    def is_met(self, event, context):
        state = context.get_state(ValueStateDescriptor("sum"))
        total = (state.value() or 0) + int(event.value)
        state.update(total)
        return total >= self.target
'''

PACKAGED = '''
from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

from counting import SumReaches

with Workflow(name="packaged") as workflow:
    summed = BashOperator(name="summed", bash_command="echo the sum is reached")
    summed.action_on_condition(TaskAction.START, SumReaches(10, expect_event_keys=["num"]))
'''


def test_a_condition_from_a_module_of_the_package_is_evaluated(scene: Scene) -> None:
    response = scene.api.upload("default", {"flow.py": PACKAGED, "counting.py": COUNTING_MODULE}, entry="flow.py")
    assert response.status_code == 201, response.text
    execution_id = scene.api.start("default", "packaged")
    wait_until(lambda: scene.api.execution(execution_id)["status"] == "RUNNING", timeout=10)

    for value in ("4", "4"):
        sent = scene.api.ok("POST", "/namespaces/default/events", json={"key": "num", "value": value})
    wait_until(lambda: applied_offset(scene.engine) >= sent["offset"], timeout=10, message="the events to apply")
    assert scene.api.task_executions(execution_id) == []  # 8 is not 10 yet
    scene.api.ok("POST", "/namespaces/default/events", json={"key": "num", "value": "4"})
    scene.canary_sings()

    finished = wait_until(lambda: finished_status(scene.api.execution(execution_id)), timeout=15)
    assert finished == "SUCCESS", scene.api.execution(execution_id)
    assert [(t["task_name"], t["status"]) for t in scene.api.task_executions(execution_id)] == [("summed", "SUCCESS")]
    scene.assert_contained()


WAITING = '''
from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="waiting") as workflow:
    BashOperator(name="first", bash_command="echo first")
    BashOperator(name="then", bash_command="echo then").action_on_event_received(TaskAction.START, "go")
'''


def test_an_execution_whose_rows_break_a_batch_fails_alone_and_the_event_applies_to_the_others(scene: Scene) -> None:
    assert scene.api.upload("default", {"waiting.py": WAITING}).status_code == 201
    broken, healthy = scene.api.start("default", "waiting"), scene.api.start("default", "waiting")
    wait_until(lambda: all([(t["task_name"], t["status"]) for t in scene.api.task_executions(execution_id)]
                           == [("first", "SUCCESS")] for execution_id in (broken, healthy)),
               timeout=15, message="the first tasks to succeed")
    with session_scope(scene.engine) as session:  # a row no version of AIFlow writes
        session.execute(update(TaskExecution).where(TaskExecution.workflow_execution_id == broken)
                        .values(status="BOGUS"))

    go = scene.api.ok("POST", "/namespaces/default/events", json={"key": "go"})  # concerns both executions
    scene.canary_sings()

    failed = wait_until(lambda: (e := scene.api.execution(broken))["status"] == "FAILED" and e, timeout=15)
    assert f"at offset {go['offset']}" in failed["error"], failed["error"]
    assert wait_until(lambda: finished_status(scene.api.execution(healthy)), timeout=15) == "SUCCESS"
    assert [(t["task_name"], t["status"]) for t in scene.api.task_executions(healthy)] == [
        ("first", "SUCCESS"), ("then", "SUCCESS")]
    scene.assert_contained()
