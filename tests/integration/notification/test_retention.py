"""History retention: sends trim the log and their own streams, the sweep trims and drops idle ones.

Time passes without waiting: the store's clock never goes back behind the last
create time it handed out (``last_time`` of the meta hash), so moving that forward
moves the store's clock forward.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys

KEYS = EventKeys()
RETENTION = timedelta(minutes=1)


@pytest.fixture
def retaining(redis_url: str) -> Iterator[NotificationClient]:
    """A client keeping one minute of history."""
    with NotificationClient(redis_url, history_retention=RETENTION) as client:
        yield client


def _later(client: NotificationClient, by: timedelta) -> None:
    """Move the store's clock ``by`` past the newest event."""
    newest = client.list_events()[-1].create_time or 0
    client.redis.hset(KEYS.meta, "last_time", newest + int(by.total_seconds() * 1000))


def _streams(client: NotificationClient) -> set[str]:
    return {name.decode() for name in client.redis.smembers(KEYS.key_index)}


def test_a_send_trims_the_log_its_key_and_its_namespace(retaining: NotificationClient) -> None:
    retaining.send_event(Event(key="idle", namespace="quiet", value="old"))
    retaining.send_event(Event(key="busy", namespace="loud", value="old"))
    _later(retaining, 2 * RETENTION)

    new = retaining.send_event(Event(key="busy", namespace="loud", value="new"))

    assert retaining.list_events() == [new]
    assert retaining.list_events("busy") == [new]
    assert retaining.list_events(namespace="loud") == [new]
    assert [e.value for e in retaining.list_events("idle")] == ["old"]
    assert [e.value for e in retaining.list_events(namespace="quiet")] == ["old"]


def test_events_within_the_retention_are_kept(retaining: NotificationClient) -> None:
    old = retaining.send_event(Event(key="k", value="old"))
    _later(retaining, RETENTION / 2)
    retaining.redis.hset(KEYS.meta, "trim_checked", 0)

    new = retaining.send_event(Event(key="k", value="new"))

    assert retaining.list_events() == [old, new] == retaining.list_events("k")
    assert retaining.list_events(namespace="default") == [old, new]


def test_the_sweep_trims_idle_streams_and_drops_empty_ones(retaining: NotificationClient) -> None:
    retaining.send_event(Event(key="idle", namespace="quiet"))
    retaining.send_event(Event(key="busy", namespace="loud", value="old"))
    _later(retaining, 2 * RETENTION)
    new = retaining.send_event(Event(key="busy", namespace="loud", value="new"))

    assert retaining.trim_history() == 2

    assert _streams(retaining) == {KEYS.key_stream("busy"), KEYS.namespace_stream("loud")}
    assert not retaining.redis.exists(KEYS.key_stream("idle"), KEYS.namespace_stream("quiet"))
    assert retaining.list_events("busy") == [new] == retaining.list_events(namespace="loud")


def test_the_sweep_trims_the_log_when_nothing_is_sent(retaining: NotificationClient) -> None:
    for i in range(3):
        retaining.send_event(Event(key=f"k{i}", namespace=f"ns{i}"))
    _later(retaining, 2 * RETENTION)

    assert retaining.trim_history() == 6

    assert retaining.redis.xlen(KEYS.log) == 0 and _streams(retaining) == set()
    assert retaining.list_events() == [] and retaining.count_events(namespace="ns0") == 0


def test_the_sweep_reads_the_index_a_page_at_a_time(retaining: NotificationClient) -> None:
    for i in range(1500):  # more streams than one SSCAN page asks for
        retaining.send_event(Event(key=f"k{i}", namespace="ns"))
    _later(retaining, 2 * RETENTION)
    keep = retaining.send_event(Event(key="k0", namespace="ns"))

    assert retaining.trim_history() == 1499

    assert _streams(retaining) == {KEYS.key_stream("k0"), KEYS.namespace_stream("ns")}
    assert retaining.list_events(namespace="ns") == [keep]


def test_without_retention_nothing_is_trimmed(client: NotificationClient) -> None:
    sent = [client.send_event(Event(key="k", value=str(i))) for i in range(2)]
    _later(client, timedelta(days=400))
    client.send_event(Event(key="k", value="2"))

    assert client.trim_history() == 0
    assert client.list_events()[:2] == sent and client.count_events(namespace="default") == 3
