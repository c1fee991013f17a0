"""Events of a namespace through the API: send, list, count, paging."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys

EVENTS = "/api/v1/namespaces/default/events"


def _xrange_calls(bus: NotificationClient) -> int:
    stats = bus.redis.info("commandstats").get("cmdstat_xrange", {})
    return int(stats.get("calls", 0)) if isinstance(stats, dict) else 0


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
    assert client.get(f"{EVENTS}/count").json == {"count": 3}


@pytest.mark.parametrize(
    ("query", "items", "total"),
    [
        ("limit=3", [0, 1, 2], 10),
        ("limit=3&offset=8", [8, 9], 10),
        ("limit=3&offset=20", [], 10),
        ("key=even&limit=2&offset=1", [2, 4], 5),
        ("sender=s1&limit=2", [1, 4], 3),
        ("begin_offset=BEGIN&limit=2&offset=1", [8, 9], 3),
        ("key=even&sender=s0&offset=1", [6], 2),
    ],
)
def test_listing_pages_through_the_namespace(
    client: FlaskClient, bus: NotificationClient, query: str, items: list[int], total: int
) -> None:
    sent = [bus.send_event(Event(key="odd" if i % 2 else "even", value=str(i), sender=f"s{i % 3}")) for i in range(10)]
    bus.send_event(Event(key="even", namespace="other", sender="s0"))

    listed = client.get(f"{EVENTS}?{query.replace('BEGIN', str(sent[6].offset))}").json

    assert [int(item["value"]) for item in listed["items"]] == items
    assert listed["total"] == total


def test_a_page_reads_only_as_far_as_it_shows(client: FlaskClient, bus: NotificationClient) -> None:
    sent = [bus.send_event(Event(key="k", value=str(i))) for i in range(3000)]
    bus.redis.config_resetstat()

    listed = client.get(f"{EVENTS}?limit=10&offset=5").json

    assert listed == {"items": [e.to_dict() for e in sent[5:15]], "total": 3000}
    assert _xrange_calls(bus) == 1
    assert client.get(f"{EVENTS}/count").json == {"count": 3000}
    assert _xrange_calls(bus) == 1


def test_listing_skips_entries_the_bus_did_not_write(client: FlaskClient, bus: NotificationClient) -> None:
    first = bus.send_event(Event(key="k"))
    bus.redis.xadd(EventKeys().namespace_stream("default"), {"foo": b"\xff"})
    second = bus.send_event(Event(key="k"))

    listed = client.get(f"{EVENTS}?sender=").json

    assert listed["items"] == [first.to_dict(), second.to_dict()]
    assert client.get(f"{EVENTS}/count?begin_offset=0").json == {"count": 2}


def _field(name: str, value: Any) -> dict[str, Any]:
    return {"key": "k", "value": "v"} | {name: value}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"value": "v"}, "field 'key' must be a non-empty string"),
        (_field("key", ""), "field 'key' must be a non-empty string"),
        (_field("key", 5), "field 'key' must be a non-empty string"),
        (_field("key", "k" * 1025), "event key is 1025 bytes; the limit is 1024"),
        (_field("key", "aiflow.command"), "reserved for AIFlow"),
        (_field("value", 3), "field 'value' must be a string or null"),
        (_field("value", "x" * (1024 * 1024 + 1)), "event value is 1048577 bytes; the limit is 1048576"),
        (_field("sender", ["me"]), "field 'sender' must be a string or null"),
        (_field("sender", "s" * 1025), "event sender is 1025 bytes; the limit is 1024"),
        (_field("context", {"a": 1}), "field 'context' must be a string or null"),
        (_field("context", "c" * (64 * 1024 + 1)), "event context is 65537 bytes; the limit is 65536"),
        (["k"], "the request body must be a JSON object"),
    ],
)
def test_bad_events_are_refused_and_nothing_is_stored(
    client: FlaskClient, bus: NotificationClient, body: Any, message: str
) -> None:
    response = client.post(EVENTS, json=body)

    assert response.status_code == 400
    assert message in response.json["detail"]
    assert bus.latest_offset() == 0


def test_fields_at_their_bounds_are_accepted(client: FlaskClient) -> None:
    body = {"key": "k" * 1024, "value": "v" * 1024 * 1024, "sender": "s" * 1024, "context": "c" * 64 * 1024}

    assert client.post(EVENTS, json=body).status_code == 201


def test_unknown_namespaces_and_bad_query_arguments_are_refused(client: FlaskClient) -> None:
    assert client.post("/api/v1/namespaces/nowhere/events", json={"key": "k"}).status_code == 404
    assert client.post(f"/api/v1/namespaces/{'n' * 256}/events", json={"key": "k"}).status_code == 404
    assert client.get("/api/v1/namespaces/nowhere/events").status_code == 404
    assert client.get(f"{EVENTS}?begin_offset=-1").status_code == 400
    assert client.get(f"{EVENTS}?limit=0").status_code == 400
    assert client.get(f"{EVENTS}/count?begin_offset=x").status_code == 400
