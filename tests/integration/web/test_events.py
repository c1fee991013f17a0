"""Events of a namespace through the API: send, list, count."""

from __future__ import annotations

from flask.testing import FlaskClient

from notification.client import NotificationClient
from notification.event import Event

EVENTS = "/api/v1/namespaces/default/events"


def test_send_list_and_count(client: FlaskClient, bus: NotificationClient) -> None:
    sent = [client.post(EVENTS, json={"key": key, "value": str(i), "sender": "me"}) for i, key in enumerate("aab")]
    bus.send_event(Event(key="a", namespace="other"))

    assert [r.status_code for r in sent] == [201, 201, 201]
    assert sent[0].json["offset"] < sent[1].json["offset"]
    listed = client.get(f"{EVENTS}?key=a").json
    assert listed == {"items": [sent[0].json, sent[1].json], "total": 2}
    assert client.get(f"{EVENTS}?limit=1&offset=2").json == {"items": [sent[2].json], "total": 3}
    after = sent[0].json["offset"]
    assert client.get(f"{EVENTS}/count?key=a&begin_offset={after}").json == {"count": 1}
    assert client.get(f"{EVENTS}/count?sender=nobody").json == {"count": 0}


def test_bad_events_are_refused(client: FlaskClient) -> None:
    assert client.post(EVENTS, json={"value": "v"}).status_code == 400
    assert client.post(EVENTS, json={"key": "k", "value": 3}).status_code == 400
    assert client.post(EVENTS, json={"key": "aiflow.command", "value": "{}"}).status_code == 400
    assert client.post(EVENTS, json={"key": "k", "value": "x" * (1024 * 1024 + 1)}).status_code == 400
    assert client.post("/api/v1/namespaces/nowhere/events", json={"key": "k"}).status_code == 404
    assert client.get(f"{EVENTS}?begin_offset=-1").status_code == 400
