"""The stream entry layout of an event."""

from __future__ import annotations

from notification.codec import decode_entry, encode_fields, entry_id, offset_of
from notification.event import Event


def test_an_event_survives_encoding() -> None:
    event = Event(key="k", value="v", namespace="ns", sender="s", context="c")
    fields = encode_fields(event)
    stored = {b"t": b"1700000000123"} | {
        name.encode(): value.encode() for name, value in zip(fields[::2], fields[1::2], strict=True)
    }

    decoded = decode_entry(entry_id(42), stored)

    assert decoded == Event(key="k", value="v", namespace="ns", sender="s", context="c",
                            offset=42, create_time=1700000000123)


def test_unset_fields_are_not_stored() -> None:
    assert encode_fields(Event(key="k", value=None, namespace=None)) == ["k", "k"]


def test_offsets_are_the_entry_ids_first_part() -> None:
    assert offset_of(b"17-0") == 17 and offset_of(entry_id(5)) == 5
