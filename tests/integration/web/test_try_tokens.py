"""A try's token at the API: its namespace's events, sent as its task and listed, and nothing else, while it runs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.metadata import TaskExecution, session_scope
from aiflow.metadata.try_key import try_token_key
from aiflow.try_token import mint
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.web.conftest import add_try, bearer
from tests.integration.web.operations import OPERATIONS, Operation, populate, send
from tests.support import wait_until
from web.api.events import WAITING_SLOTS

EVENTS = "/api/v1/namespaces/default/events"
OWN_EVENTS = {("post", "/namespaces/{namespace}/events"), ("get", "/namespaces/{namespace}/events")}


@dataclass(frozen=True)
class LiveTry:
    """Try 2 of task ``hello``, RUNNING, in workflow execution ``execution_id`` of ``default``; its token."""

    client: FlaskClient
    engine: Engine
    values: dict[str, str]
    task_execution_id: int
    execution_id: int
    token: str

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    def set_status(self, status: str, try_number: int = 2) -> None:
        with session_scope(self.engine) as session:
            task = session.get_one(TaskExecution, self.task_execution_id)
            task.status, task.try_number = status, try_number


@pytest.fixture
def live_try(secured_app: Flask, engine: Engine) -> LiveTry:
    client = secured_app.test_client()
    values = populate(client, engine, bearer("admin"))
    execution_id = int(values["execution_id"])
    task_execution_id = add_try(engine, execution_id)
    return LiveTry(client, engine, values, task_execution_id, execution_id,
                   mint(try_token_key(engine), task_execution_id, 2))


def test_a_try_sends_events_to_its_namespace_as_its_task_and_lists_them(live_try: LiveTry) -> None:
    spoofed = {"key": "model", "value": "v1", "sender": "someone_else",
               "context": json.dumps({"workflow_execution_id": live_try.execution_id + 1})}

    sent = live_try.client.post(EVENTS, json=spoofed, headers=live_try.headers())
    listed = live_try.client.get(f"{EVENTS}?key=model", headers=live_try.headers())

    assert sent.status_code == 201, sent.json
    assert (sent.json["namespace"], sent.json["sender"], sent.json["value"]) == ("default", "hello", "v1")
    assert json.loads(sent.json["context"]) == {"workflow_execution_id": live_try.execution_id}
    assert listed.status_code == 200
    assert listed.json == {"items": [sent.json], "total": 1}


def test_a_try_reaches_nothing_else(live_try: LiveTry) -> None:
    """Every other operation is 403, whatever it names, and so are the events of another namespace."""
    client, values = live_try.client, live_try.values
    before = [send(client, op, values, bearer("admin")).get_data() for op in OPERATIONS
              if op.method == "get" and not op.public and "/events" not in op.path]

    def expected(operation: Operation) -> int:
        if operation.public:
            return 200
        return {"post": 201, "get": 200}[operation.method] if (operation.method, operation.path) in OWN_EVENTS else 403

    found = [f"{op}: {status}" for op in OPERATIONS
             if (status := send(client, op, values, live_try.headers()).status_code) != expected(op)]
    other = {**values, "namespace": "team"}
    foreign = [send(client, op, other, live_try.headers()).status_code for op in OPERATIONS
               if (op.method, op.path) in OWN_EVENTS]

    assert found == []
    assert foreign == [403, 403]
    assert [send(client, op, values, bearer("admin")).get_data() for op in OPERATIONS
            if op.method == "get" and not op.public and "/events" not in op.path] == before


@pytest.mark.parametrize("status", ["SUCCESS", "FAILED", "STOPPED", "RETRYING"])
def test_a_try_that_ended_is_refused(live_try: LiveTry, status: str) -> None:
    live_try.set_status(status)

    response = live_try.client.post(EVENTS, json={"key": "late"}, headers=live_try.headers())

    assert response.status_code == 403
    assert "is not running" in response.json["detail"]
    assert live_try.token not in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["QUEUED", "RUNNING", "STOPPING"])
def test_a_live_try_is_accepted(live_try: LiveTry, status: str) -> None:
    live_try.set_status(status)

    assert live_try.client.post(EVENTS, json={"key": "k"}, headers=live_try.headers()).status_code == 201


def test_the_token_of_a_previous_try_or_of_a_task_execution_that_is_gone_is_refused(live_try: LiveTry) -> None:
    key = try_token_key(live_try.engine)
    previous = mint(key, live_try.task_execution_id, 1)
    gone = mint(key, 999_999, 1)

    for token in (previous, gone):
        response = live_try.client.get(EVENTS, headers=live_try.headers(token))
        assert response.status_code == 403, token


def test_forged_and_mutated_tokens_are_not_valid(live_try: LiveTry) -> None:
    named, mac = live_try.token.rsplit(".", 1)
    forged = [
        mint(bytes(32), live_try.task_execution_id, 2),  # another key
        f"{named}.{mac[:-1]}{'0' if mac[-1] != '0' else '1'}",  # one digit of the HMAC
        f"aiflow-try.{live_try.task_execution_id + 1}.2.{mac}",  # another task execution, same HMAC
        f"aiflow-try.{live_try.task_execution_id}.3.{mac}",  # another try, same HMAC
        f"{named}.",
    ]

    answers = [live_try.client.get(EVENTS, headers=live_try.headers(token)) for token in forged]

    assert [answer.status_code for answer in answers] == [401] * len(forged)
    assert {answer.json["detail"] for answer in answers} == {"the try token is not valid"}


def test_an_open_server_confines_a_try_token_too(app: Flask, engine: Engine) -> None:
    client = app.test_client()
    values = populate(client, engine, {})
    task_execution_id = add_try(engine, int(values["execution_id"]))
    headers = {"Authorization": f"Bearer {mint(try_token_key(engine), task_execution_id, 2)}"}

    assert client.post(EVENTS, json={"key": "k"}, headers=headers).status_code == 201
    assert client.post("/api/v1/namespaces/default/workflows/wf/executions", headers=headers).status_code == 403
    assert client.get("/api/v1/namespaces/team/events", headers=headers).status_code == 403


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_waiting_listing_answers_as_soon_as_an_event_lands(client: FlaskClient, bus: NotificationClient) -> None:
    after = bus.send_event(Event(key="before")).offset
    timer = threading.Timer(0.3, lambda: bus.send_event(Event(key="landed", sender="me")))
    timer.start()

    response, elapsed = timed(lambda: client.get(f"{EVENTS}?begin_offset={after}&sender=me&wait=20"))
    timer.join()

    assert [item["key"] for item in response.json["items"]] == ["landed"]
    assert 0.3 <= elapsed < 5


def test_a_waiting_listing_skips_events_its_filters_refuse(client: FlaskClient, bus: NotificationClient) -> None:
    after = bus.send_event(Event(key="before")).offset

    def send_later() -> None:
        bus.send_event(Event(key="landed", namespace="other"))
        bus.send_event(Event(key="landed", sender="someone"))
        bus.send_event(Event(key="landed", sender="me"))

    timer = threading.Timer(0.3, send_later)
    timer.start()
    response = client.get(f"{EVENTS}?begin_offset={after}&key=landed&sender=me&wait=20")
    timer.join()

    assert [(item["sender"], item["namespace"]) for item in response.json["items"]] == [("me", "default")]


def test_a_waiting_listing_answers_empty_at_its_deadline(client: FlaskClient, bus: NotificationClient) -> None:
    after = bus.send_event(Event(key="before")).offset

    response, elapsed = timed(lambda: client.get(f"{EVENTS}?begin_offset={after}&wait=0.5"))

    assert response.status_code == 200
    assert response.json == {"items": [], "total": 0}
    assert 0.5 <= elapsed < 3


def test_waiting_listings_take_at_most_their_slots(client: FlaskClient, bus: NotificationClient) -> None:
    after = bus.send_event(Event(key="before")).offset
    url = f"{EVENTS}?begin_offset={after}&wait=20"
    answers: list[Any] = []
    waiters = [threading.Thread(target=lambda: answers.append(client.get(url).json)) for _ in range(WAITING_SLOTS)]
    for waiter in waiters:
        waiter.start()
    wait_until(lambda: blocked_reads(bus) == WAITING_SLOTS, message="every slot to wait on the bus")

    response, elapsed = timed(lambda: client.get(url))  # no slot left: answered at once
    bus.send_event(Event(key="landed"))
    for waiter in waiters:
        waiter.join(10)

    assert (response.json["items"], elapsed < 1) == ([], True)
    assert [[item["key"] for item in answer["items"]] for answer in answers] == [["landed"]] * WAITING_SLOTS


def blocked_reads(bus: NotificationClient) -> int:
    return sum(1 for entry in bus.redis.client_list() if entry.get("cmd") == "xread" and "b" in entry.get("flags", ""))


@pytest.mark.parametrize("query", ["wait=31", "wait=-1", "wait=nan", "wait=soon", "begin_time=yesterday"])
def test_bad_waits_and_times_are_400(client: FlaskClient, query: str) -> None:
    response = client.get(f"{EVENTS}?{query}")

    assert (response.status_code, response.json["error"]) == (400, "invalid_input")


def test_events_can_be_listed_from_a_time(client: FlaskClient, bus: NotificationClient) -> None:
    bus.send_event(Event(key="old"))
    wait_until(lambda: time.time() * 1000 > (bus.list_events("old")[0].create_time or 0) + 5, interval=0.001)
    since = datetime.now(UTC).isoformat()
    bus.send_event(Event(key="new"))

    listed = client.get(EVENTS, query_string={"begin_time": since}).json

    assert [item["key"] for item in listed["items"]] == ["new"]
