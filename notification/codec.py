"""How an :class:`~notification.event.Event` is laid out in a Redis stream entry.

Entry ids are ``<offset>-0``. Fields: ``t`` (create time, ms; always first), ``k`` key,
``n`` namespace, and, when set, ``v`` value, ``s`` sender and ``c`` context.
"""

from __future__ import annotations

from dataclasses import dataclass

from notification.event import Event

_OPTIONAL = (("v", "value"), ("n", "namespace"), ("s", "sender"), ("c", "context"))


def entry_id(offset: int) -> str:
    """Return the stream entry id of the event at ``offset``."""
    return f"{offset}-0"


def offset_of(entry: str | bytes) -> int:
    """Return the offset encoded in a stream entry id."""
    text = entry.decode() if isinstance(entry, bytes) else entry
    return int(text.partition("-")[0])


def encode_fields(event: Event) -> list[str]:
    """Return the event's stored fields (all but ``t``) as a flat field/value list."""
    fields = ["k", event.key]
    for name, attribute in _OPTIONAL:
        value = getattr(event, attribute)
        if value is not None:
            fields += [name, value]
    return fields


def decode_entry(entry_id_: str | bytes, fields: dict[bytes, bytes]) -> Event:
    """Rebuild an event from a stream entry as redis-py returns it."""

    def text(name: bytes) -> str | None:
        raw = fields.get(name)
        return None if raw is None else raw.decode("utf-8")

    return Event(
        key=text(b"k") or "",
        value=text(b"v"),
        namespace=text(b"n"),
        sender=text(b"s"),
        context=text(b"c"),
        offset=offset_of(entry_id_),
        create_time=int(fields[b"t"]),
    )


@dataclass(frozen=True)
class UndecodableEntry:
    """A stream entry that is not an event of this layout (written by something else, or damaged)."""

    entry_id: str
    offset: int | None
    error: str
    fields: dict[str, str]
