"""Schedules and triggers: add, list, show, pause, resume, delete, delete all."""

from __future__ import annotations

import base64
from typing import Any

import cloudpickle
import pytest
from flask.testing import FlaskClient

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from notification.client import NotificationClient
from tests.integration.web.conftest import WORKFLOW


def encoded(value: object) -> str:
    return base64.b64encode(cloudpickle.dumps(value)).decode("ascii")


def rule() -> WorkflowRule:
    return WorkflowRule(SingleEventCondition(expect_event_key="go"))


@pytest.mark.parametrize(
    ("plural", "resource", "body", "kind"),
    [
        ("schedules", "workflow-schedules", {"expression": "cron@*/5 * * * *"}, CommandKind.SCHEDULES_CHANGED),
        ("triggers", "workflow-triggers", {"rule": encoded(rule())}, CommandKind.TRIGGERS_CHANGED),
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


def test_a_trigger_keeps_its_pickled_rule(uploaded: dict[str, Any], client: FlaskClient) -> None:
    added = client.post(f"{WORKFLOW}/triggers", json={"rule": encoded(rule())}).json

    stored = cloudpickle.loads(base64.b64decode(added["rule"]))

    assert isinstance(stored, WorkflowRule)
    assert stored.condition.expect_event_keys == ["go"]


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
