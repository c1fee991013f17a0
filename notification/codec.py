"""How an :class:`~notification.event.Event` is laid out in a Redis stream entry.

Entry ids are ``<offset>-0``. Fields: ``t`` (create time, ms; always first), ``k`` key,
``n`` namespace, and, when set, ``v`` value, ``s`` sender and ``c`` context.

Anyone with access to Redis can add entries the bus did not write (``XADD ... *``,
a hand-made id, missing or garbled fields). Decoding never raises: such an entry
comes back as an :class:`UndecodableEntry` naming what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from notification.event import Event

_OPTIONAL = (("v", "value"), ("n", "namespace"), ("s", "sender"), ("c", "context"))
#: The largest sequence part of a stream entry id; ``<offset>-<MAX_SEQUENCE>`` is the last id at an offset.
MAX_SEQUENCE = 2**64 - 1
#: How many characters of each field name and value an :class:`UndecodableEntry` keeps.
SHOWN_CHARS = 256
#: How many fields of an undecodable entry are kept.
SHOWN_FIELDS = 16

StreamEntry = tuple[bytes, dict[bytes, bytes]]


@dataclass(frozen=True)
class UndecodableEntry:
    """A stream entry that is not an event the bus wrote.

    ``offset`` is the number before the ``-`` of ``entry_id`` (None when it does not
    parse); ``fields`` are the entry's fields made printable and shortened.
    """

    entry_id: str
    offset: int | None
    error: str
    fields: dict[str, str]


class _Undecodable(ValueError):
    """Raised inside the decoder; turned into an :class:`UndecodableEntry`."""


def entry_id(offset: int) -> str:
    """Return the stream entry id of the event at ``offset``."""
    return f"{offset}-0"


def after_id(offset: int) -> str:
    """Return the last possible entry id at ``offset``: reading after it skips every ``<offset>-*``."""
    return f"{offset}-{MAX_SEQUENCE}"


def offset_of(entry: str | bytes) -> int:
    """Return the offset encoded in a stream entry id (Redis ids always have one)."""
    return id_parts(entry)[0]


def id_parts(entry: str | bytes) -> tuple[int, int]:
    """Return the two numbers of a stream entry id ``<ms>-<seq>``, for ordering ids.

    Raises:
        ValueError: the id is not two non-negative integers joined by ``-``.
    """
    text = entry.decode("ascii") if isinstance(entry, bytes) else entry
    first, _, second = text.partition("-")
    if not (first.isdigit() and first.isascii() and second.isdigit() and second.isascii()):
        raise ValueError(f"not a stream entry id: {text!r}")
    return int(first), int(second)


def encode_fields(event: Event) -> list[str]:
    """Return the event's stored fields (all but ``t``) as a flat field/value list."""
    fields = ["k", event.key]
    for name, attribute in _OPTIONAL:
        value = getattr(event, attribute)
        if value is not None:
            fields += [name, value]
    return fields


def decode_entry(entry_id_: str | bytes, fields: dict[bytes, bytes]) -> Event | UndecodableEntry:
    """Rebuild an event from a stream entry as redis-py returns it; never raises.

    An entry the bus did not write (an id whose sequence part is not 0, a missing or
    non-integer ``t``, a missing or empty ``k``, a field that is not UTF-8) comes back
    as an :class:`UndecodableEntry`.
    """
    text_id = entry_id_.decode("utf-8", "backslashreplace") if isinstance(entry_id_, bytes) else entry_id_
    try:
        return _decode(text_id, fields)
    except (_Undecodable, ValueError) as exc:
        return UndecodableEntry(text_id, _offset_or_none(text_id), str(exc), _printable(fields))


def _decode(text_id: str, fields: dict[bytes, bytes]) -> Event:
    offset, sequence = id_parts(text_id)
    if sequence != 0:
        raise _Undecodable(f"entry id {text_id!r} was not written by the bus (its sequence part is not 0)")
    raw_time = fields.get(b"t")
    if raw_time is None or not (raw_time.isdigit() and raw_time.isascii()):
        raise _Undecodable("field 't' (create time) is missing or not an integer")
    key = _text(fields, b"k")
    if not key:
        raise _Undecodable("field 'k' (key) is missing or empty")
    return Event(
        key=key,
        value=_text(fields, b"v"),
        namespace=_text(fields, b"n"),
        sender=_text(fields, b"s"),
        context=_text(fields, b"c"),
        offset=offset,
        create_time=int(raw_time),
    )


def _text(fields: dict[bytes, bytes], name: bytes) -> str | None:
    raw = fields.get(name)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _Undecodable(f"field {name.decode()!r} is not valid UTF-8") from None


def _offset_or_none(text_id: str) -> int | None:
    first = text_id.partition("-")[0]
    return int(first) if first.isdigit() and first.isascii() else None


def _printable(fields: dict[bytes, bytes]) -> dict[str, str]:
    shown = list(fields.items())[:SHOWN_FIELDS]
    return {
        name.decode("utf-8", "backslashreplace")[:SHOWN_CHARS]: value.decode("utf-8", "backslashreplace")[:SHOWN_CHARS]
        for name, value in shown
    }
