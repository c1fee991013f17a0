"""Entries of the event log that the bus did not write, or internal events of the wrong shape.

Three of the five faults that once stopped everybody: an entry without a time field, with a
non-integer time or invalid UTF-8 stopped every turn until deleted by hand, and an entry added
with an auto-generated id broke every later send. Each is written straight into Redis here;
the scheduler records it as a rejected event (listed through the API and the CLI) and applies
what follows, and sends go on past it.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

import pytest

from aiflow.commands import COMMAND_EVENT_KEY
from aiflow.scheduler.timer_events import RETRY_DUE_KEY, SCHEDULE_TICK_KEY
from notification.event import Event
from notification.keys import EventKeys
from tests.faults.conftest import Scene
from tests.faults.stack import aiflow
from tests.faults.world import applied_offset
from tests.support import wait_until

LOG = EventKeys().log


def now_ms() -> bytes:
    return str(int(time.time() * 1000)).encode()


UNDECODABLE: dict[str, tuple[dict[str, bytes], str]] = {
    "no_time": ({"k": b"poke", "n": b"default"}, "field 't' (create time) is missing or not an integer"),
    "time_not_an_integer": ({"t": b"soon", "k": b"poke", "n": b"default"},
                            "field 't' (create time) is missing or not an integer"),
    "key_not_utf8": ({"t": now_ms(), "k": b"\xff\xfe", "n": b"default"}, "field 'k' is not valid UTF-8"),
    "value_not_utf8": ({"t": now_ms(), "k": b"poke", "v": b"\xc3\x28", "n": b"default"},
                       "field 'v' is not valid UTF-8"),
    "no_key": ({"t": now_ms(), "n": b"default"}, "field 'k' (key) is missing or empty"),
}
MALFORMED: dict[str, tuple[str, str, str]] = {
    "command_not_json": (COMMAND_EVENT_KEY, "{not json", "malformed 'aiflow.command' event"),
    "command_not_an_object": (COMMAND_EVENT_KEY, "[1, 2]", "malformed 'aiflow.command' event"),
    "command_of_no_kind": (COMMAND_EVENT_KEY, json.dumps({"kind": "explode"}), "malformed 'aiflow.command' event"),
    "timer_of_wrong_types": (RETRY_DUE_KEY, json.dumps({"workflow_execution_id": "x"}),
                             "malformed 'aiflow.retry_due' event"),
    "tick_not_an_object": (SCHEDULE_TICK_KEY, "7", "malformed 'aiflow.schedule_tick' event"),
}


def add_entry(scene: Scene, fields: dict[str, bytes], entry_id: str | None = None) -> tuple[str, int]:
    """XADD ``fields`` to the log at the next offset (or ``entry_id``); return the id and its offset."""
    entry_id = entry_id or f"{scene.bus.latest_offset() + 1}-0"
    added = scene.bus.redis.xadd(LOG, fields, id=entry_id)  # type: ignore[arg-type]
    text = added.decode() if isinstance(added, bytes) else str(added)
    return text, int(text.partition("-")[0])


def rejected_at(scene: Scene, offset: int, path: str = "/rejected-events") -> dict[str, Any]:
    """Wait until the API lists the entry at ``offset`` as rejected; return the record."""
    def listed() -> dict[str, Any] | None:
        found = [r for r in scene.api.ok("GET", path, params={"limit": 1000})["items"] if r["offset"] == offset]
        return found[0] if found else None

    found = wait_until(listed, timeout=10, message=f"the entry at offset {offset} to be listed as rejected")
    assert found is not None
    return found


def send(scene: Scene, key: str, namespace: str = "default") -> int:
    return int(scene.api.ok("POST", f"/namespaces/{namespace}/events", json={"key": key})["offset"])


@pytest.mark.parametrize("kind", sorted(UNDECODABLE))
def test_an_undecodable_entry_is_rejected_and_what_follows_applies(kind: str, scene: Scene) -> None:
    fields, error = UNDECODABLE[kind]
    _, offset = add_entry(scene, fields)

    after = send(scene, "after")  # the bus sends past the foreign entry
    scene.canary_sings()

    assert after > offset
    rejected = rejected_at(scene, offset)
    assert error in rejected["error"], rejected
    assert rejected["namespace"] == "default"
    assert rejected_at(scene, offset, "/namespaces/default/rejected-events") == rejected
    assert applied_offset(scene.engine) >= after
    scene.assert_contained()


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_a_malformed_internal_event_is_rejected_and_what_follows_applies(kind: str, scene: Scene) -> None:
    key, value, error = MALFORMED[kind]
    bad = scene.bus.send_event(Event(key=key, value=value, namespace="default"))  # the API refuses these keys

    scene.canary_sings()

    rejected = rejected_at(scene, bad.offset or 0)
    assert error in rejected["error"], rejected
    assert (rejected["namespace"], rejected["key"]) == ("default", key)
    scene.assert_contained()


def test_an_entry_with_an_auto_generated_id_does_not_break_later_sends(scene: Scene) -> None:
    entry_id, offset = add_entry(scene, {"t": now_ms(), "k": b"poke", "n": b"default"}, entry_id="*")

    after = send(scene, "after")
    canary_run = scene.canary_sings()

    assert offset > 10**12, entry_id  # a time in milliseconds, far past the bus's own offsets
    assert after > offset
    assert scene.api.execution(canary_run)["status"] == "SUCCESS"
    assert applied_offset(scene.engine) > after
    scene.assert_contained()


def test_an_entry_of_a_foreign_shape_is_listed_by_the_cli(scene: Scene) -> None:
    _, offset = add_entry(scene, {"foo": b"\xff"})
    scene.canary_sings()
    rejected_at(scene, offset)

    listed = subprocess.run([*aiflow("rejected-event", "list", "-o", "json")], env=scene.stack.env,
                            capture_output=True, text=True, timeout=60, check=False)

    assert listed.returncode == 0, listed.stderr
    assert offset in [row["offset"] for row in json.loads(listed.stdout)]
    scene.assert_contained()
