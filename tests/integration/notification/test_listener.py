"""Listening to events: start points, filters, order, and recovery from dropped connections."""

from __future__ import annotations

from datetime import datetime

import pytest
import redis

from aiflow.errors import NotFoundError
from notification.client import NotificationClient
from notification.event import Event
from tests.integration.notification.collector import Collector
from tests.support import wait_until


def test_a_listener_without_a_start_point_receives_only_new_events(client: NotificationClient) -> None:
    client.send_event(Event(key="k", value="before"))
    collector = Collector()
    client.register_listener(collector, ["k"])
    client.send_event(Event(key="k", value="after"))

    assert [e.value for e in until_sentinel(client, collector, Event(key="k"))] == ["after"]


def test_a_listener_starts_after_begin_offset(client: NotificationClient) -> None:
    for i in range(5):
        client.send_event(Event(key="k", value=str(i)))
    collector = Collector()
    client.register_listener(collector, ["k"], begin_offset=2)

    assert [e.value for e in collector.wait_for(3)] == ["2", "3", "4"]


def test_a_listener_starts_at_begin_time(client: NotificationClient) -> None:
    old = client.send_event(Event(key="k", value="old"))
    wait_until(lambda: _server_ms(client) > old.create_time, timeout=2)
    new = client.send_event(Event(key="k", value="new"))
    collector = Collector()
    client.register_listener(collector, ["k"], begin_time=datetime.fromtimestamp(new.create_time / 1000))

    assert until_sentinel(client, collector, Event(key="k")) == [new]


def test_a_listener_on_several_keys_receives_them_merged_in_offset_order(client: NotificationClient) -> None:
    collector = Collector()
    client.register_listener(collector, ["a", "b"], begin_offset=0)
    for i in range(1200):  # more than one read batch per stream
        client.send_event(Event(key="abc"[i % 3], value=str(i)))

    events = collector.wait_for(800)
    assert [e.offset for e in events] == sorted(e.offset for e in events)
    assert {e.key for e in events} == {"a", "b"} and len(events) == 800


def test_a_listener_on_no_keys_receives_every_key_and_filters_namespace_and_sender(
    client: NotificationClient,
) -> None:
    everything, scoped = Collector(), Collector()
    client.register_listener(everything, None, begin_offset=0)
    client.register_listener(scoped, None, begin_offset=0, namespace="ns", sender="me")
    client.send_event(Event(key="x", value="1", namespace="ns", sender="me"))
    client.send_event(Event(key="y", value="2", namespace="ns", sender="you"))
    client.send_event(Event(key="z", value="3", namespace="other", sender="me"))

    assert [e.value for e in everything.wait_for(3)] == ["1", "2", "3"]
    assert [e.value for e in until_sentinel(client, scoped, Event(key="s", namespace="ns", sender="me"))] == ["1"]


def test_unregistered_listeners_receive_nothing_more(client: NotificationClient) -> None:
    collector = Collector()
    registration = client.register_listener(collector, ["k"])
    client.send_event(Event(key="k", value="1"))
    collector.wait_for(1)
    client.unregister_listener(registration)
    client.send_event(Event(key="k", value="2"))

    assert collector.values == ["1"]
    with pytest.raises(NotFoundError):
        client.unregister_listener(registration)


def test_a_failing_processor_does_not_stop_its_listener(client: NotificationClient) -> None:
    class FailsOnce(Collector):
        failed = False

        def process(self, events: list[Event]) -> None:
            if not self.failed:
                self.failed = True
                raise RuntimeError("user bug")
            super().process(events)

    processor = FailsOnce()
    client.register_listener(processor, ["k"])
    client.send_event(Event(key="k", value="lost to the bug"))
    wait_until(lambda: processor.failed)
    client.send_event(Event(key="k", value="delivered"))

    assert processor.wait_for(1)[0].value == "delivered"


def test_listeners_resume_without_loss_or_duplicates_after_connections_are_killed(
    client: NotificationClient, redis_url: str
) -> None:
    collector = Collector()
    client.register_listener(collector, ["k"], begin_offset=0)
    admin = redis.Redis.from_url(redis_url)
    for i in range(300):
        client.send_event(Event(key="k", value=str(i)))
        if i % 50 == 25:
            admin.client_kill_filter(_type="normal", skipme=True)
    admin.close()

    assert collector.wait_for(300) and collector.values == [str(i) for i in range(300)]


def test_close_stops_every_listener(redis_url: str) -> None:
    client = NotificationClient(redis_url)
    for _ in range(3):
        client.register_listener(Collector(), ["k"])

    client.close()  # the autouse leak check fails the test if a listener thread survives


def until_sentinel(client: NotificationClient, collector: Collector, sentinel: Event) -> list[Event]:
    """Send ``sentinel`` (an event ``collector`` accepts) and return what arrived before it.

    Events arrive in offset order, so once the sentinel is in nothing earlier can follow.
    """
    sentinel.value = "sentinel"
    client.send_event(sentinel)
    wait_until(lambda: "sentinel" in collector.values, message="the sentinel event")
    events = collector.events
    return events[: collector.values.index("sentinel")]


def _server_ms(client: NotificationClient) -> int:
    seconds, micros = client.redis.time()
    return seconds * 1000 + micros // 1000
