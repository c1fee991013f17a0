"""Load slots: a bound on concurrent sandboxes shared by every process through lock files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aiflow.sandbox.slots import NoFreeSlot, Slots


def test_slots_are_held_for_a_block_and_then_free(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "slots", 2)

    with slots.hold(wait=0) as first, slots.hold(wait=0) as second:
        assert {first, second} == {0, 1}
        assert slots.busy() == 2
    assert slots.busy() == 0


def test_no_free_slot_within_the_wait_is_refused(tmp_path: Path) -> None:
    slots = Slots(tmp_path, 1, "workflow load")

    with slots.hold(wait=0):
        started = time.monotonic()
        with pytest.raises(NoFreeSlot, match="all 1 workflow load slots are busy; retry later"):
            with slots.hold(wait=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 2


def test_a_slot_held_by_another_process_counts_until_that_process_dies(tmp_path: Path) -> None:
    holder_source = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from aiflow.sandbox.slots import Slots
        with Slots(Path({str(tmp_path)!r}), 1).hold(wait=0):
            print("held", flush=True)
            sys.stdin.read()
        """)
    holder = subprocess.Popen([sys.executable, "-c", holder_source], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == b"held\n"
    slots = Slots(tmp_path, 1)
    assert slots.busy() == 1

    holder.kill()
    holder.wait()
    holder.stdin.close()
    holder.stdout.close()

    with slots.hold(wait=0) as number:
        assert number == 0


def test_at_least_one_slot_is_needed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one slot"):
        Slots(tmp_path, 0)
