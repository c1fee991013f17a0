"""Sending, listing and counting events through the bus client, on a real Redis."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from aiflow.errors import InvalidInputError
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys
from tests.support import wait_until


def test_offsets_increase_across_keys_and_namespaces(client: NotificationClient) -> None:
    sent = [
        client.send_event(Event(key=key, value=str(i), namespace=ns))
        for i, (key, ns) in enumerate([("a", "default"), ("b", "other"), ("a", "other"), ("c", "default")])
    ]

    assert [event.offset for event in sent] == [1, 2, 3, 4]
    assert [event.offset for event in client.list_events()] == [1, 2, 3, 4]
    assert all(event.create_time for event in sent)
    assert sent == sorted(sent, key=lambda event: (event.create_time, event.offset))


def test_list_events_of_one_key_filters_by_namespace_sender_and_offsets(client: NotificationClient) -> None:
    client.send_event(Event(key="k", value="1", namespace="ns1", sender="s1"))
    client.send_event(Event(key="other", value="x"))
    client.send_event(Event(key="k", value="2", namespace="ns2", sender="s1"))
    client.send_event(Event(key="k", value="3", namespace="ns1", sender="s2", context="ctx"))

    assert [e.value for e in client.list_events("k")] == ["1", "2", "3"]
    assert [e.value for e in client.list_events("k", namespace="ns1")] == ["1", "3"]
    assert [e.value for e in client.list_events("k", sender="s1")] == ["1", "2"]
    assert [e.value for e in client.list_events("k", begin_offset=1, end_offset=3)] == ["2"]
    assert [e.key for e in client.list_events(["other", "k"])] == ["k", "other", "k", "k"]
    assert client.list_events("k")[-1].context == "ctx"
    assert client.count_events("k", namespace="ns1") == 2
    assert client.count_events("missing") == 0


def test_value_none_and_empty_string_are_kept_apart(client: NotificationClient) -> None:
    client.send_event(Event(key="k", value=None))
    client.send_event(Event(key="k", value=""))

    assert [e.value for e in client.list_events("k")] == [None, ""]


def test_listing_pages_through_long_streams(client: NotificationClient) -> None:
    for i in range(2500):
        client.send_event(Event(key="many", value=str(i)))

    values = [e.value for e in client.list_events("many", begin_offset=10)]

    assert values == [str(i) for i in range(10, 2500)]


def test_time_to_offset_splits_events_by_create_time(client: NotificationClient) -> None:
    first = [client.send_event(Event(key="k", value=str(i))) for i in range(5)]
    wait_until(lambda: _server_ms(client) > first[-1].create_time, timeout=2)
    second = [client.send_event(Event(key="k", value=str(i))) for i in range(3)]
    split = datetime.fromtimestamp(second[0].create_time / 1000)

    assert client.time_to_offset(datetime.fromtimestamp(first[0].create_time / 1000)) == 0
    assert client.time_to_offset(split) == first[-1].offset
    assert client.time_to_offset(datetime.now() + timedelta(days=1)) == second[-1].offset
    assert client.list_events("k", begin_time=split) == second


def test_events_sent_together_are_stored_in_order_and_once_under_their_request_ids(
    client: NotificationClient,
) -> None:
    sends = [(Event(key="k", value=str(i), namespace="ns"), f"req-{i}") for i in range(3)]

    sent = client.send_events(sends)
    again = client.send_events(sends)

    assert [event.offset for event in sent] == [1, 2, 3] == [event.offset for event in again]
    assert [(e.key, e.value, e.namespace) for e in client.list_events()] == [("k", "0", "ns"), ("k", "1", "ns"),
                                                                             ("k", "2", "ns")]
    assert client.send_events([]) == []


def test_events_sent_together_go_in_one_round_trip_without_asking_for_the_script(client: NotificationClient) -> None:
    client.send_event(Event(key="k", value="loads the script"))
    client.redis.config_resetstat()

    client.send_events([(Event(key="k", value=str(i)), None) for i in range(3)])

    commands = client.redis.info("commandstats")
    assert commands["cmdstat_evalsha"]["calls"] == 3
    assert not [name for name in commands if name.startswith("cmdstat_script")]


def test_events_sent_together_reach_a_redis_that_forgot_the_scripts(client: NotificationClient) -> None:
    """A restarted or flushed Redis knows no scripts: the batch loads the send script and goes again, once."""
    client.send_event(Event(key="k", value="before"))
    client.redis.script_flush()

    sent = client.send_events([(Event(key="k", value=str(i)), f"req-{i}") for i in range(3)])

    assert [event.offset for event in sent] == [2, 3, 4]
    assert [e.value for e in client.list_events("k")] == ["before", "0", "1", "2"]


def test_events_sent_together_are_all_checked_before_any_is_stored(client: NotificationClient) -> None:
    with pytest.raises(InvalidInputError):
        client.send_events([(Event(key="fine", value="v"), None), (Event(key="", value="v"), None)])

    assert client.latest_offset() == 0


def test_retried_send_with_the_same_request_id_stores_one_event(client: NotificationClient) -> None:
    first = client.send_event(Event(key="k", value="v"), request_id="req-1")
    retried = client.send_event(Event(key="k", value="v"), request_id="req-1")
    other = client.send_event(Event(key="k", value="v"), request_id="req-2")

    assert retried.offset == first.offset and retried.create_time == first.create_time
    assert other.offset == first.offset + 1
    assert client.count_events("k") == 2


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (Event(key=""), "key must be a non-empty string"),
        (Event(key="k" * 1025), "key is 1025 bytes; the limit is 1024"),
        (Event(key="é" * 513), "key is 1026 bytes"),
        (Event(key="k", value="v" * 2049), "value is 2049 bytes; the limit is 2048"),
        (Event(key="k", namespace=""), "namespace must be a non-empty string"),
        (Event(key="k", namespace="n" * 256), "namespace is 256 bytes; the limit is 255"),
        (Event(key="k", sender="s" * 1025), "sender is 1025 bytes; the limit is 1024"),
        (Event(key="k", context="c" * (64 * 1024 + 1)), "context is 65537 bytes; the limit is 65536"),
        (Event(key=7), "key must be a string, got int"),  # type: ignore[arg-type]
        (Event(key=None), "key must be a string, got NoneType"),  # type: ignore[arg-type]
        (Event(key="k", value=b"v"), "value must be a string or None, got bytes"),  # type: ignore[arg-type]
        (Event(key="k", namespace=["ns"]), "namespace must be a string or None, got list"),  # type: ignore[arg-type]
        (Event(key="k", sender=1.5), "sender must be a string or None, got float"),  # type: ignore[arg-type]
        (Event(key="k", context={"a": 1}), "context must be a string or None, got dict"),  # type: ignore[arg-type]
        (Event(key="k", value="\ud800"), "value is not valid Unicode text"),
    ],
)
def test_oversized_empty_or_mistyped_events_are_rejected_and_nothing_is_stored(
    redis_url: str, event: Event, message: str
) -> None:
    with NotificationClient(redis_url, max_value_bytes=2048) as client:
        with pytest.raises(InvalidInputError, match=message):
            client.send_event(event)

        assert client.latest_offset() == 0
        assert client.redis.keys("*") == []


def test_fields_of_exactly_their_bound_are_accepted(client: NotificationClient) -> None:
    event = Event(key="k" * 1024, namespace="n" * 255, sender="s" * 1024, context="c" * 64 * 1024, value="")

    stored = client.send_event(event)

    assert stored.offset == 1
    assert client.list_events(namespace="n" * 255) == [stored]


def test_keys_are_confined_to_the_configured_prefix(redis_url: str) -> None:
    with NotificationClient(redis_url, keys=EventKeys("tenant1")) as client:
        client.send_event(Event(key="k"))
        names = {name.decode() for name in client.redis.keys("*")}

    assert names and all(name.startswith("tenant1:events") for name in names)


def _server_ms(client: NotificationClient) -> int:
    seconds, micros = client.redis.time()
    return seconds * 1000 + micros // 1000
