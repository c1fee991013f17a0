"""Entries the bus did not write (added by hand with XADD) harm nothing: sends, reads and listeners go on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from notification.client import NotificationClient
from notification.codec import UndecodableEntry
from notification.event import Event
from notification.keys import EventKeys
from tests.integration.notification.collector import Collector

KEYS = EventKeys()
#: Stands for the current time in a field of a hand-made entry.
NOW = "<now>"
#: The three streams a send appends to, for an event of key "k" in namespace "default".
STREAMS: dict[str, Callable[[], str]] = {
    "log": lambda: KEYS.log,
    "key stream": lambda: KEYS.key_stream("k"),
    "namespace stream": lambda: KEYS.namespace_stream("default"),
}


def _xadd(client: NotificationClient, stream: str, entry_id: str = "*", **fields: str | bytes) -> str:
    added = client.redis.xadd(stream, fields or {"foo": "bar"}, id=entry_id)
    return added.decode() if isinstance(added, bytes) else str(added)


@pytest.mark.parametrize("stream", STREAMS.values(), ids=STREAMS.keys())
def test_a_send_after_an_auto_id_entry_moves_past_it(client: NotificationClient, stream: Callable[[], str]) -> None:
    on_log, on_key = Collector(), Collector()
    client.register_listener(on_log, None, begin_offset=0)
    client.register_listener(on_key, ["k"], begin_offset=0)
    before = [client.send_event(Event(key="k", value=str(i))) for i in range(2)]
    foreign = _xadd(client, stream())

    after = client.send_event(Event(key="k", value="after"))

    assert after.offset is not None and after.offset > int(foreign.partition("-")[0])
    assert client.list_events("k") == [*before, after]
    assert client.list_events(namespace="default") == [*before, after]
    assert [e.value for e in on_log.wait_for(3)] == ["0", "1", "after"]
    assert [e.value for e in on_key.wait_for(3)] == ["0", "1", "after"]
    assert client.send_event(Event(key="k", value="next")).offset == after.offset + 1


def test_read_log_returns_a_foreign_entry_in_its_place(client: NotificationClient) -> None:
    before = [client.send_event(Event(key="k", value=str(i))) for i in range(2)]
    foreign = _xadd(client, KEYS.log)
    after = client.send_event(Event(key="k", value="after"))

    read = client.read_log(0, 100, 1)

    assert read[:2] == before and read[3] == after and len(read) == 4
    assert read[2] == UndecodableEntry(
        foreign, int(foreign.partition("-")[0]), "field 't' (create time) is missing or not an integer", {"foo": "bar"}
    )


def test_an_entry_next_to_an_event_is_read_once(client: NotificationClient) -> None:
    first = client.send_event(Event(key="k", value="first"))
    assert first.offset is not None
    _xadd(client, KEYS.log, f"{first.offset}-5", t="1", k="k")
    collector = Collector()
    client.register_listener(collector, None, begin_offset=0)

    second = client.send_event(Event(key="k", value="second"))

    read = client.read_log(0, 100, 1)
    assert [type(item).__name__ for item in read] == ["Event", "UndecodableEntry", "Event"]
    assert read[1].offset == first.offset and "sequence part is not 0" in read[1].error  # type: ignore[union-attr]
    assert client.read_log(first.offset, 100, 1) == [second]
    assert client.read_log(first.offset - 1, 100, 1)[0] == first
    assert collector.wait_for(2) == [first, second]
    assert client.list_events() == [first, second]


def test_an_entry_taking_the_next_offset_pushes_the_send_past_it(client: NotificationClient) -> None:
    first = client.send_event(Event(key="k"))
    assert first.offset is not None
    taken = f"{first.offset + 1}-0"
    _xadd(client, KEYS.log, taken, k="k", v="no create time")

    second = client.send_event(Event(key="k"))

    assert second.offset == first.offset + 2
    assert [getattr(item, "entry_id", None) for item in client.read_log(first.offset, 10, 1)] == [taken, None]


@pytest.mark.parametrize(
    "fields",
    [{"k": "k"}, {"t": "soon", "k": "k"}, {"t": "1.5", "k": "k"}, {"t": NOW, "k": b"\xff\xfe"}, {"t": NOW, "k": ""}],
    ids=["no time", "text time", "fractional time", "invalid utf-8", "empty key"],
)
def test_undecodable_entries_are_skipped_by_readers_and_retention(
    redis_url: str, fields: dict[str, str | bytes]
) -> None:
    with NotificationClient(redis_url, history_retention=timedelta(days=1)) as client:
        first = client.send_event(Event(key="k", value="1"))
        now = str(first.create_time)
        for stream in (KEYS.log, KEYS.key_stream("k"), KEYS.namespace_stream("default")):
            _xadd(client, stream, **{name: now if value == NOW else value for name, value in fields.items()})
        client.redis.hset(KEYS.meta, "trim_checked", 0)  # the next send looks up the retention boundary

        second = client.send_event(Event(key="k", value="2"))

        for listing in (client.list_events(), client.list_events("k"), client.list_events(namespace="default")):
            assert listing == [first, second]
        assert client.count_events("k") == 2
        assert isinstance(client.read_log(first.offset or 0, 10, 1)[0], UndecodableEntry)
        assert client.time_to_offset(datetime.now() + timedelta(days=1)) == second.offset
        assert client.trim_history() == 0


def test_readers_that_skip_an_entry_warn_naming_it(
    client: NotificationClient, caplog: pytest.LogCaptureFixture
) -> None:
    collector = Collector()
    client.register_listener(collector, ["k"], begin_offset=0)
    foreign = _xadd(client, KEYS.key_stream("k"))
    event = client.send_event(Event(key="k"))

    assert client.list_events("k") == [event] and collector.wait_for(1) == [event]

    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    expected = f"Event bus: skipping entry {foreign} of {KEYS.key_stream('k')}, not an event"
    assert len([message for message in warnings if message.startswith(expected)]) == 2
