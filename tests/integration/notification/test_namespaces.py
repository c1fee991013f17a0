"""Each namespace's events in a stream of their own: listing, counting, paging and listening read only it."""

from __future__ import annotations

from itertools import islice

from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys
from notification.reading import FIRST_PAGE
from tests.integration.notification.collector import Collector

KEYS = EventKeys()


def _xrange_calls(client: NotificationClient) -> int:
    """How many XRANGE calls the server answered since the statistics were reset."""
    stats = client.redis.info("commandstats").get("cmdstat_xrange", {})
    return int(stats.get("calls", 0)) if isinstance(stats, dict) else 0


def test_a_namespace_is_listed_from_its_own_stream(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key=f"k{i % 2}", namespace=f"ns{i % 3}", value=str(i))) for i in range(9)]
    client.redis.delete(KEYS.log)  # listing a namespace must not need the log

    assert client.list_events(namespace="ns1") == sent[1::3]
    assert client.count_events(namespace="ns1") == 3
    assert client.list_events(namespace="ns1", sender="nobody") == []
    assert client.list_events(namespace="ns2", begin_offset=sent[2].offset) == [sent[5], sent[8]]
    assert client.list_events(namespace="nowhere") == [] and client.count_events(namespace="nowhere") == 0


def test_a_key_of_a_namespace_is_listed_from_the_keys_stream(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key=f"k{i % 2}", namespace=f"ns{i % 3}", value=str(i))) for i in range(9)]
    client.redis.delete(KEYS.namespace_stream("ns0"))

    assert client.list_events("k0", namespace="ns0") == [sent[0], sent[6]]
    assert client.count_events("k0", namespace="ns0") == 2


def test_events_without_a_namespace_are_in_the_log_and_their_key_only(client: NotificationClient) -> None:
    event = client.send_event(Event(key="k", namespace=None))

    assert client.list_events() == [event] == client.list_events("k")
    assert client.redis.keys(KEYS.namespace_stream("*")) == []


def test_limit_stops_after_that_many_events_and_reads_one_small_page(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key="k", namespace="ns", value=str(i))) for i in range(3 * FIRST_PAGE)]
    client.redis.config_resetstat()

    assert client.list_events(namespace="ns", limit=5) == sent[:5]
    assert _xrange_calls(client) == 1
    assert client.list_events(namespace="ns", begin_offset=sent[-3].offset, limit=5) == sent[-2:]


def test_iter_events_reads_pages_as_it_is_consumed(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key="k", namespace="ns", value=str(i))) for i in range(2500)]
    client.redis.config_resetstat()

    events = client.iter_events(namespace="ns")
    first = list(islice(events, FIRST_PAGE + 1))

    assert first == sent[: FIRST_PAGE + 1] and _xrange_calls(client) == 2
    assert [*first, *events] == sent


def test_a_listener_of_one_namespace_follows_that_namespaces_stream(client: NotificationClient) -> None:
    collector = Collector()
    client.register_listener(collector, None, begin_offset=0, namespace="mine")
    mine = [client.send_event(Event(key=f"k{i}", namespace=ns)) for i, ns in enumerate(["mine", "other", "mine"])]
    # An event found only in the namespace's stream reaches the listener: it reads that stream.
    only_there = Event(key="direct", namespace="mine", offset=100, create_time=mine[-1].create_time)
    client.redis.xadd(KEYS.namespace_stream("mine"), {"t": str(only_there.create_time), "k": "direct", "n": "mine"},
                      id="100-0")

    assert collector.wait_for(3) == [mine[0], mine[2], only_there]
