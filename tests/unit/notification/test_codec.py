"""The stream entry layout of an event, and what decoding makes of entries the bus did not write."""

from __future__ import annotations

import pytest

from notification.codec import (
    MAX_SEQUENCE,
    SHOWN_CHARS,
    SHOWN_FIELDS,
    UndecodableEntry,
    after_id,
    decode_entry,
    encode_fields,
    entry_id,
    id_parts,
    offset_of,
)
from notification.event import Event

GOOD = {b"t": b"1700000000123", b"k": b"k"}


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
    assert id_parts("17-3") == (17, 3)


def test_after_id_is_the_last_id_of_an_offset() -> None:
    assert after_id(7) == f"7-{MAX_SEQUENCE}" and MAX_SEQUENCE == 2**64 - 1
    assert id_parts(after_id(7)) > id_parts("7-99") > id_parts(entry_id(7))


@pytest.mark.parametrize("bad", ["", "7", "x-0", "7-", "-7", "7-x", "٣-0"])
def test_id_parts_refuses_what_is_not_an_entry_id(bad: str) -> None:
    with pytest.raises(ValueError, match="not a stream entry id"):
        id_parts(bad)


@pytest.mark.parametrize(
    ("entry", "fields", "offset", "error"),
    [
        ("3-0", {b"k": b"k"}, 3, "field 't' (create time) is missing or not an integer"),
        ("3-0", {b"t": b"soon", b"k": b"k"}, 3, "field 't' (create time) is missing or not an integer"),
        ("3-0", {b"t": b"1.5", b"k": b"k"}, 3, "field 't' (create time) is missing or not an integer"),
        ("3-0", {b"t": b"-1", b"k": b"k"}, 3, "field 't' (create time) is missing or not an integer"),
        ("3-0", {b"t": b"\xff", b"k": b"k"}, 3, "field 't' (create time) is missing or not an integer"),
        ("3-0", {b"t": b"1"}, 3, "field 'k' (key) is missing or empty"),
        ("3-0", {b"t": b"1", b"k": b""}, 3, "field 'k' (key) is missing or empty"),
        ("3-0", {b"t": b"1", b"k": b"\xff"}, 3, "field 'k' is not valid UTF-8"),
        ("3-0", GOOD | {b"v": b"\xc3("}, 3, "field 'v' is not valid UTF-8"),
        ("3-0", GOOD | {b"n": b"\xed\xa0\x80"}, 3, "field 'n' is not valid UTF-8"),
        ("3-0", GOOD | {b"s": b"\x80"}, 3, "field 's' is not valid UTF-8"),
        ("3-0", GOOD | {b"c": b"\xfe"}, 3, "field 'c' is not valid UTF-8"),
        ("3-5", GOOD, 3, "entry id '3-5' was not written by the bus (its sequence part is not 0)"),
        ("x-0", GOOD, None, "not a stream entry id: 'x-0'"),
        ("3-y", GOOD, 3, "not a stream entry id: '3-y'"),
        (b"\xff-0", GOOD, None, "not a stream entry id: '\\\\xff-0'"),
    ],
)
def test_decoding_an_entry_the_bus_did_not_write_names_what_is_wrong(
    entry: str | bytes, fields: dict[bytes, bytes], offset: int | None, error: str
) -> None:
    decoded = decode_entry(entry, fields)

    assert isinstance(decoded, UndecodableEntry)
    assert (decoded.offset, decoded.error) == (offset, error)
    assert decoded.entry_id == (entry.decode("utf-8", "backslashreplace") if isinstance(entry, bytes) else entry)


def test_an_undecodable_entrys_fields_are_printable_and_short() -> None:
    fields = {b"k\xff": b"\xfe" + b"x" * 1000} | {f"f{i}".encode(): b"v" for i in range(40)}

    decoded = decode_entry(b"9-1", fields)

    assert isinstance(decoded, UndecodableEntry)
    assert len(decoded.fields) == SHOWN_FIELDS
    assert decoded.fields["k\\xff"] == ("\\xfe" + "x" * 1000)[:SHOWN_CHARS]
    assert all(len(name) <= SHOWN_CHARS and len(value) <= SHOWN_CHARS for name, value in decoded.fields.items())


def test_an_undecodable_entry_is_frozen() -> None:
    decoded = decode_entry("1-1", GOOD)

    with pytest.raises(AttributeError):
        decoded.error = "changed"  # type: ignore[misc]
