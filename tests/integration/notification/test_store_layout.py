"""Preparing, upgrading, downgrading and identifying the event store, on a real Redis."""

from __future__ import annotations

import pytest

from aiflow.errors import InvalidInputError
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys
from notification.store_layout import (
    LAYOUT_VERSION,
    init_store,
    migrate_store,
    pair_database,
    paired_database,
    reset_store,
    store_id,
    stored_version,
)

KEYS = EventKeys()


def _namespace_streams(client: NotificationClient) -> dict[str, list[int]]:
    """Every namespace stream and the offsets it holds."""
    names = sorted(name.decode() for name in client.redis.keys(KEYS.namespace_stream("*")))
    return {name: [e.offset or 0 for e in client.list_events(namespace=name.rpartition(":")[2])] for name in names}


def _make_v1_store(client: NotificationClient, events: list[Event]) -> list[Event]:
    """Send ``events`` to a store of layout 1, as the release before namespace streams kept it."""
    assert migrate_store(client.redis, KEYS, "1") == 1
    return [client.send_event(event) for event in events]


def test_a_new_store_gets_the_current_layout_and_an_id(client: NotificationClient) -> None:
    assert stored_version(client.redis, KEYS) == 0

    assert init_store(client.redis, KEYS) == LAYOUT_VERSION == 2
    identity = store_id(client.redis, KEYS)

    assert len(identity) == 32 and int(identity, 16) >= 0
    assert init_store(client.redis, KEYS) == 2 and store_id(client.redis, KEYS) == identity


def test_a_store_first_used_by_a_send_gets_the_current_layout(client: NotificationClient) -> None:
    client.send_event(Event(key="k"))

    assert stored_version(client.redis, KEYS) == LAYOUT_VERSION
    assert init_store(client.redis, KEYS) == LAYOUT_VERSION


def test_a_store_used_before_layouts_were_recorded_counts_as_layout_1(client: NotificationClient) -> None:
    _make_v1_store(client, [Event(key="k")])
    client.redis.hdel(KEYS.meta, "layout")

    assert stored_version(client.redis, KEYS) == 1
    assert init_store(client.redis, KEYS) == 1


def test_the_store_id_is_made_once_and_a_reset_store_gets_a_new_one(
    client: NotificationClient, redis_url: str
) -> None:
    with NotificationClient(redis_url) as other:
        first = store_id(client.redis, KEYS)
        assert store_id(other.redis, KEYS) == first

        reset_store(client.redis, KEYS)
        after_reset = store_id(client.redis, KEYS)
        client.redis.flushall()
        after_flush = store_id(other.redis, KEYS)

    assert len({first, after_reset, after_flush}) == 3


def test_a_database_is_paired_with_the_store_until_it_is_reset(client: NotificationClient) -> None:
    assert paired_database(client.redis, KEYS) is None

    pair_database(client.redis, KEYS, "db-1")
    client.send_event(Event(key="k"))

    assert paired_database(client.redis, KEYS) == "db-1"
    assert init_store(client.redis, KEYS) == 2 and paired_database(client.redis, KEYS) == "db-1"
    reset_store(client.redis, KEYS)
    assert paired_database(client.redis, KEYS) is None


def test_upgrading_fills_the_namespace_streams_from_the_log(client: NotificationClient) -> None:
    sent = _make_v1_store(client, [Event(key=f"k{i % 3}", namespace=f"ns{i % 2}", value=str(i)) for i in range(2500)])
    assert client.redis.keys(KEYS.namespace_stream("*")) == []
    assert [e.offset for e in client.list_events(namespace="ns1")] == [e.offset for e in sent[1::2]]

    assert migrate_store(client.redis, KEYS, "heads") == 2

    expected = {KEYS.namespace_stream(f"ns{n}"): [e.offset or 0 for e in sent[n::2]] for n in (0, 1)}
    assert _namespace_streams(client) == expected
    assert client.redis.sismember(KEYS.key_index, KEYS.namespace_stream("ns0"))
    assert client.count_events(namespace="ns1") == 1250


def test_upgrading_twice_or_after_an_interruption_copies_each_event_once(client: NotificationClient) -> None:
    sent = _make_v1_store(client, [Event(key="k", namespace="ns", value=str(i)) for i in range(5)])
    # As if an earlier upgrade stopped after copying the first three events.
    for event in sent[:3]:
        client.redis.xadd(KEYS.namespace_stream("ns"), {"t": str(event.create_time), "k": "k", "n": "ns"},
                          id=f"{event.offset}-0")

    migrate_store(client.redis, KEYS, "2")
    migrate_store(client.redis, KEYS, "heads")
    later = client.send_event(Event(key="k", namespace="ns"))

    assert _namespace_streams(client) == {KEYS.namespace_stream("ns"): [*(e.offset or 0 for e in sent), later.offset]}


def test_upgrading_skips_entries_the_bus_did_not_write(client: NotificationClient) -> None:
    sent = _make_v1_store(client, [Event(key="k", namespace="ns")])
    client.redis.xadd(KEYS.log, {"n": "ns", "x": "y"})
    client.redis.xadd(KEYS.log, {"t": "1", "k": "k", "n": "ns"}, id="9999999999999-4")

    migrate_store(client.redis, KEYS, "heads")

    assert _namespace_streams(client) == {KEYS.namespace_stream("ns"): [sent[0].offset]}
    assert client.redis.xlen(KEYS.namespace_stream("ns")) == 1


def test_a_store_of_layout_1_keeps_working_until_it_is_upgraded(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key="k", namespace=ns)) for ns in ("a", "b", "a")]

    assert migrate_store(client.redis, KEYS, "1") == 1
    assert client.redis.keys(KEYS.namespace_stream("*")) == []
    assert not any(b":events:ns:" in name for name in client.redis.smembers(KEYS.key_index))
    during = client.send_event(Event(key="k", namespace="a"))

    assert client.list_events(namespace="a") == [sent[0], sent[2], during]
    assert client.count_events(namespace="a") == 3
    assert migrate_store(client.redis, KEYS, "2") == 2
    assert client.list_events(namespace="a") == [sent[0], sent[2], during]
    assert client.redis.xlen(KEYS.namespace_stream("a")) == 3


def test_migrating_to_base_removes_the_store_and_unknown_versions_are_refused(client: NotificationClient) -> None:
    client.send_event(Event(key="k"))

    with pytest.raises(InvalidInputError, match="unknown event store version '3'; known: base, 1, 2"):
        migrate_store(client.redis, KEYS, "3")
    assert migrate_store(client.redis, KEYS, "base") == 0
    assert client.redis.keys("*") == []
