"""Schedules and triggers: add, list, show, pause, resume, delete, delete all."""

from __future__ import annotations

import base64
import re
import sys
from typing import Any

import cloudpickle
import pytest
from flask.testing import FlaskClient

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.ops.workflow_trigger_ops import trigger_body
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.web.conftest import WORKFLOW


def encoded(value: object) -> str:
    return base64.b64encode(cloudpickle.dumps(value)).decode("ascii")


def rule() -> WorkflowRule:
    return WorkflowRule(SingleEventCondition(expect_event_key="go"))


GO = {"kind": "event", "keys": ["go"], "match": "any"}


class AtLeast(Condition):
    """A custom condition: met by events whose value is at least ``threshold``."""

    def __init__(self, keys: list[str], threshold: int) -> None:
        super().__init__(keys)
        self.threshold = threshold

    def is_met(self, event: Event, context: Context) -> bool:
        return int(event.value or 0) >= self.threshold


cloudpickle.register_pickle_by_value(sys.modules[__name__])


@pytest.mark.parametrize(
    ("plural", "resource", "body", "kind"),
    [
        ("schedules", "workflow-schedules", {"expression": "cron@*/5 * * * *"}, CommandKind.SCHEDULES_CHANGED),
        ("triggers", "workflow-triggers", {"condition": GO}, CommandKind.TRIGGERS_CHANGED),
    ],
)
def test_life_cycle(
    plural: str, resource: str, body: dict[str, str], kind: CommandKind,
    uploaded: dict[str, Any], client: FlaskClient, bus: NotificationClient,
) -> None:
    added = client.post(f"{WORKFLOW}/{plural}", json=body)
    assert added.status_code == 201, added.json
    one = f"/api/v1/{resource}/{added.json['id']}"

    assert client.post(f"{one}/pause").json["is_paused"] is True
    assert client.get(one).json["is_paused"] is True
    assert client.post(f"{one}/resume").json["is_paused"] is False
    assert client.get(f"{WORKFLOW}/{plural}").json["total"] == 1
    assert client.delete(one).status_code == 204
    assert client.get(one).status_code == 404
    client.post(f"{WORKFLOW}/{plural}", json=body)
    client.post(f"{WORKFLOW}/{plural}", json=body)
    assert client.delete(f"{WORKFLOW}/{plural}").json == {"deleted": 2}

    sent = [Command.from_event(e) for e in bus.list_events(COMMAND_EVENT_KEY)][1:]  # after the upload's
    assert sent == [Command(kind, workflow_id=uploaded["id"])] * 7


def test_a_trigger_keeps_its_condition(uploaded: dict[str, Any], client: FlaskClient) -> None:
    added = client.post(f"{WORKFLOW}/triggers", json={"condition": GO}).json

    assert added["condition"] == GO and added["error"] is None
    assert client.get(f"/api/v1/workflow-triggers/{added['id']}").json["condition"] == GO


def test_an_older_clients_pickled_rule_is_converted_in_a_child_process(uploaded: dict[str, Any],
                                                                       client: FlaskClient) -> None:
    added = client.post(f"{WORKFLOW}/triggers", json={"rule": encoded(rule())})

    assert added.status_code == 201, added.json
    assert added.json["condition"] == GO


def test_a_custom_condition_is_checked_in_a_child_process_and_kept_as_code(uploaded: dict[str, Any],
                                                                           client: FlaskClient) -> None:
    body = trigger_body(WorkflowRule(AtLeast(["n"], 3)))

    added = client.post(f"{WORKFLOW}/triggers", json=body)

    assert added.status_code == 201, added.json
    condition = added.json["condition"]
    assert condition["kind"] == "custom" and condition["expect_event_keys"] == ["n"]
    assert condition["label"] == "AtLeast(expect_event_keys=['n'])"


@pytest.mark.parametrize("expression", ["cron@61 * * * *", "cron@* *", "every minute", "interval@x", ""])
def test_bad_expressions_are_refused(expression: str, uploaded: dict[str, Any], client: FlaskClient) -> None:
    response = client.post(f"{WORKFLOW}/schedules", json={"expression": expression})

    assert response.status_code == 400
    assert client.get(f"{WORKFLOW}/schedules").json["total"] == 0


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"junk").decode(), encoded({"a": 1})])
def test_bad_rules_are_refused(value: str, uploaded: dict[str, Any], client: FlaskClient) -> None:
    response = client.post(f"{WORKFLOW}/triggers", json={"rule": value})

    assert response.status_code == 400
    assert client.get(f"{WORKFLOW}/triggers").json["total"] == 0


def custom(code: bytes, keys: Any = ("n",)) -> dict[str, Any]:
    return {"kind": "custom", "expect_event_keys": list(keys), "label": "x",
            "code": base64.b64encode(code).decode()}


@pytest.mark.parametrize(("condition", "message"), [
    (None, "must be a JSON object"),
    ({"kind": "teleport"}, "unknown condition kind"),
    ({"kind": "event", "keys": 5}, "non-empty list of event keys"),
    ({"kind": "event", "keys": []}, "non-empty list of event keys"),
    ({"kind": "event", "keys": [""]}, "event keys must be strings"),
    ({"kind": "event", "keys": ["k"], "match": "some"}, "'match' must be 'any' or 'all'"),
    ({"kind": "task_status", "all": [{"task": "t", "status": "DONE"}]}, "unknown task status"),
    ({**custom(b"x"), "code": "not base64!"}, "'code' must be base64"),
    (custom(b"junk"), "the condition is refused"),
    (custom(cloudpickle.dumps({"a": 1})), "not a Condition"),
    (custom(cloudpickle.dumps(AtLeast(["other"], 1))), "expects \\['other'\\], not \\['n'\\]"),
])
def test_bad_conditions_are_refused(condition: Any, message: str, uploaded: dict[str, Any],
                                    client: FlaskClient) -> None:
    response = client.post(f"{WORKFLOW}/triggers", json={"condition": condition})

    assert response.status_code == 400, response.json
    assert re.search(message, response.json["detail"]), response.json["detail"]
    assert client.get(f"{WORKFLOW}/triggers").json["total"] == 0
