"""Triggers and schedules that cannot be evaluated: refused at the door, and quarantined when written behind its back.

Two of the five faults that once stopped everybody: a trigger whose condition has
``expect_event_keys=5`` made the scheduler exit at every restart, and a schedule
``cron@0 0 31 2 *`` made every turn fail, so no schedule of any namespace fired. The API
refuses both; written straight into the database, each is marked broken with its error
(shown by the API) while triggers and schedules of namespace ``canary`` go on.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import sys
import threading
import time
from typing import Any

import cloudpickle
import pytest

from aiflow.commands import Command, CommandKind
from aiflow.metadata.definitions import WorkflowEventTrigger, WorkflowSchedule
from aiflow.metadata.session import session_scope
from aiflow.model.condition import Condition
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.state import ValueStateDescriptor
from aiflow.ops.workflow_trigger_ops import trigger_body
from notification.event import Event
from tests.faults.conftest import Scene
from tests.faults.world import Canary, finished_status
from tests.support import wait_until

cloudpickle.register_pickle_by_value(sys.modules[__name__])

TARGET = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="{name}") as workflow:
    BashOperator(name="run", bash_command="echo started")
'''
CANARY = f"/namespaces/{Canary.namespace}/workflows/{Canary.workflow}"



def pickled_rule_expecting_keys_5() -> str:
    """A pickled ``WorkflowRule`` as older clients send it, its condition's ``expect_event_keys`` set to 5."""
    condition = SingleEventCondition("k")
    condition.expect_event_keys = 5  # type: ignore[assignment]
    return base64.b64encode(cloudpickle.dumps(WorkflowRule(condition))).decode()


KEYS_ARE_FIVE = {
    "event": {"condition": {"kind": "event", "keys": 5}},
    "custom": {"condition": {"kind": "custom", "expect_event_keys": 5, "label": "Five()",
                             "code": base64.b64encode(pickle.dumps(None)).decode()}},
    "pickled_rule": {"rule": pickled_rule_expecting_keys_5()},
}
UNREADABLE_ROWS = {
    "event_keys_5": '{"kind":"event","keys":5}',
    "custom_keys_5": '{"kind":"custom","expect_event_keys":5,"label":"Five()","code":"Tg=="}',
    "not_json": "{not json",
    "unknown_kind": '{"kind":"sometimes"}',
}
NEVER_EVALUATED = ["cron@0 0 31 2 *", "cron@61 * * * *", "interval@0 0 0 0", "interval@3651 0 0 0", "nonsense"]


class RaisesOnEvent(Condition):
    def is_met(self, event: Event, context: Any) -> bool:
        raise ZeroDivisionError("a trigger bug")


class HangsOnEvent(Condition):
    def is_met(self, event: Event, context: Any) -> bool:
        time.sleep(3600)
        return True


class KillsItsEvaluator(Condition):
    def is_met(self, event: Event, context: Any) -> bool:
        os._exit(3)


class KeepsALock(Condition):
    def is_met(self, event: Event, context: Any) -> bool:
        context.get_state(ValueStateDescriptor("lock")).update(threading.Lock())
        return False


FAILING_TRIGGERS = {
    "raises": (RaisesOnEvent, "ZeroDivisionError: a trigger bug"),
    "hangs": (HangsOnEvent, "the condition did not answer within 1 seconds"),
    "kills_its_evaluator": (KillsItsEvaluator, "the evaluator process ended"),
    "keeps_unpicklable_state": (KeepsALock, "the condition's state cannot be pickled"),
}


def uploaded(scene: Scene, name: str) -> int:
    """Upload a one-task workflow ``name`` to namespace default; return its id."""
    response = scene.api.upload("default", {f"{name}.py": TARGET.format(name=name)})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def executions_of(scene: Scene, namespace: str, workflow: str) -> list[dict[str, Any]]:
    return list(scene.api.ok("GET", f"/namespaces/{namespace}/workflows/{workflow}/executions",
                             params={"limit": 1000})["items"])


def add_row(scene: Scene, row: WorkflowEventTrigger | WorkflowSchedule) -> int:
    """Write ``row`` straight into the database, as no API call could; return its id."""
    with session_scope(scene.engine) as session:
        session.add(row)
        session.flush()
        return int(row.id)


def error_of(scene: Scene, resource: str, row_id: int) -> str:
    """Wait until the trigger or schedule shows an error through the API; return it."""
    return str(wait_until(lambda: scene.api.ok("GET", f"/{resource}/{row_id}")["error"], timeout=15,
                          message=f"{resource} {row_id} to show its error"))


def canary_trigger_fires(scene: Scene) -> None:
    """A trigger of the canary's workflow still starts it: an event execution that succeeds."""
    trigger = scene.api.ok("POST", f"{CANARY}/triggers", json={"condition": {"kind": "event", "keys": ["wake"]}})
    before = {e["id"] for e in executions_of(scene, Canary.namespace, Canary.workflow)}
    scene.api.ok("POST", f"/namespaces/{Canary.namespace}/events", json={"key": "wake"})
    woken = wait_until(lambda: [e for e in executions_of(scene, Canary.namespace, Canary.workflow)
                                if e["id"] not in before], timeout=5, message="the canary's trigger to fire")
    assert woken[0]["execution_type"] == "EVENT"
    assert wait_until(lambda: finished_status(scene.api.execution(woken[0]["id"])), timeout=5) == "SUCCESS"
    scene.api.ok("DELETE", f"/workflow-triggers/{trigger['id']}")


@pytest.mark.parametrize("form", sorted(KEYS_ARE_FIVE))
def test_a_trigger_expecting_keys_5_is_refused_at_the_door(form: str, scene: Scene) -> None:
    uploaded(scene, "refused_trigger")

    response = scene.api.post("/namespaces/default/workflows/refused_trigger/triggers", json=KEYS_ARE_FIVE[form])

    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_input"
    assert "keys" in response.json()["detail"]
    assert scene.api.ok("GET", "/namespaces/default/workflows/refused_trigger/triggers")["total"] == 0
    scene.canary_sings()
    scene.assert_contained()


@pytest.mark.parametrize("condition", sorted(UNREADABLE_ROWS))
def test_an_unreadable_trigger_row_is_marked_broken_and_the_scheduler_restarts(condition: str, scene: Scene) -> None:
    workflow_id = uploaded(scene, f"broken_trigger_{condition}")
    trigger_id = add_row(scene, WorkflowEventTrigger(workflow_id=workflow_id, condition=UNREADABLE_ROWS[condition]))

    scene.restart_scheduler()  # where the scheduler used to exit, at every restart
    scene.canary_sings()

    error = error_of(scene, "workflow-triggers", trigger_id)
    assert "its condition cannot be read" in error
    listed = scene.api.ok("GET", f"/namespaces/default/workflows/broken_trigger_{condition}/triggers")["items"]
    assert [(t["id"], t["error"]) for t in listed] == [(trigger_id, error)]
    canary_trigger_fires(scene)
    scene.assert_contained()


def test_an_unreadable_trigger_row_announced_to_the_running_scheduler_is_marked_broken(scene: Scene) -> None:
    workflow_id = uploaded(scene, "announced_trigger")
    row = WorkflowEventTrigger(workflow_id=workflow_id, condition=UNREADABLE_ROWS["event_keys_5"])
    trigger_id = add_row(scene, row)

    scene.bus.send_event(Command(CommandKind.TRIGGERS_CHANGED, workflow_id=workflow_id).to_event("default"))
    scene.canary_sings()

    assert "its condition cannot be read" in error_of(scene, "workflow-triggers", trigger_id)
    canary_trigger_fires(scene)
    scene.assert_contained()


@pytest.mark.parametrize("fault", sorted(FAILING_TRIGGERS))
def test_a_trigger_whose_condition_fails_is_marked_broken(fault: str, scene: Scene) -> None:
    kind, expected = FAILING_TRIGGERS[fault]
    uploaded(scene, "raising_trigger")
    body = trigger_body(WorkflowRule(kind(["boom"])))
    trigger = scene.api.ok("POST", "/namespaces/default/workflows/raising_trigger/triggers", json=body)

    scene.api.ok("POST", "/namespaces/default/events", json={"key": "boom"})
    scene.canary_sings()

    error = error_of(scene, "workflow-triggers", trigger["id"])
    assert expected in error, error
    assert executions_of(scene, "default", "raising_trigger") == []
    scene.api.ok("POST", "/namespaces/default/events", json={"key": "boom"})  # skipped while broken
    canary_trigger_fires(scene)
    assert executions_of(scene, "default", "raising_trigger") == []
    assert scene.api.ok("GET", f"/workflow-triggers/{trigger['id']}")["error"] == error
    scene.assert_contained()


def test_a_schedule_that_never_fires_is_refused_at_the_door(scene: Scene) -> None:
    uploaded(scene, "refused_schedule")

    response = scene.api.post("/namespaces/default/workflows/refused_schedule/schedules",
                              json={"expression": "cron@0 0 31 2 *"})

    assert response.status_code == 400, response.text
    assert "never fires" in response.json()["detail"]
    assert scene.api.ok("GET", "/namespaces/default/workflows/refused_schedule/schedules")["total"] == 0
    scene.canary_sings()
    scene.assert_contained()


@pytest.mark.parametrize("expression", NEVER_EVALUATED)
def test_a_schedule_row_that_cannot_be_evaluated_is_marked_broken_and_others_fire(
    expression: str, scene: Scene
) -> None:
    workflow_id = uploaded(scene, "broken_schedule")
    before = {e["id"] for e in executions_of(scene, Canary.namespace, Canary.workflow)}
    every_second = scene.api.ok("POST", f"{CANARY}/schedules", json={"expression": "interval@0 0 0 1"})
    schedule_id = add_row(scene, WorkflowSchedule(workflow_id=workflow_id, expression=expression))

    error = error_of(scene, "workflow-schedules", schedule_id)
    assert f"{expression!r} cannot be evaluated" in error, error
    fired = wait_until(lambda: len([e for e in executions_of(scene, Canary.namespace, Canary.workflow)
                                    if e["id"] not in before and e["execution_type"] == "PERIODIC"
                                    and e["status"] == "SUCCESS"]) >= 2,
                       timeout=10, message="the canary's schedule to fire twice")
    scene.api.ok("DELETE", f"/workflow-schedules/{every_second['id']}")
    scene.canary_sings()

    assert fired
    assert executions_of(scene, "default", "broken_schedule") == []
    scene.assert_contained()


def test_a_trigger_whose_stored_condition_does_not_unpickle_is_marked_broken(scene: Scene) -> None:
    workflow_id = uploaded(scene, "junk_trigger")
    junk = {"kind": "custom", "expect_event_keys": ["boom"], "label": "Junk()",
            "code": base64.b64encode(b"not a pickle").decode()}
    trigger_id = add_row(scene, WorkflowEventTrigger(workflow_id=workflow_id, condition=json.dumps(junk)))
    scene.bus.send_event(Command(CommandKind.TRIGGERS_CHANGED, workflow_id=workflow_id).to_event("default"))

    scene.api.ok("POST", "/namespaces/default/events", json={"key": "boom"})
    scene.canary_sings()

    error = error_of(scene, "workflow-triggers", trigger_id)
    assert "Junk()" in error and "UnpicklingError" in error, error
    assert executions_of(scene, "default", "junk_trigger") == []
    scene.assert_contained()
