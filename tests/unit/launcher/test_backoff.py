"""The restart delays of a supervised part, over a clock the test drives."""

from __future__ import annotations

import pytest

from aiflow.launcher.backoff import RestartBackoff


def delays_of_crashes(backoff: RestartBackoff, count: int, uptime: float = 0.5) -> list[float]:
    """Serve ``uptime`` seconds, exit, wait the delay, again ``count`` times; return the delays."""
    now, delays = 0.0, []
    for _ in range(count):
        backoff.serving(now)
        now += uptime
        delays.append(backoff.exited(now))
        now += delays[-1]
    return delays


def test_delays_double_up_to_the_cap() -> None:
    assert delays_of_crashes(RestartBackoff(first=1, cap=30), 8) == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_part_that_never_got_ready_keeps_backing_off() -> None:
    backoff = RestartBackoff(first=1, cap=30, reset_after=60)

    assert [backoff.exited(now) for now in (100.0, 200.0, 300.0)] == [1, 2, 4]


@pytest.mark.parametrize(("uptime", "expected"), [(59.9, 8), (60.0, 1), (3600.0, 1)])
def test_a_stable_run_resets_the_delay(uptime: float, expected: float) -> None:
    backoff = RestartBackoff(first=1, cap=30, reset_after=60)
    delays_of_crashes(backoff, 3)  # 1, 2, 4: the next would be 8

    backoff.serving(1000.0)

    assert backoff.exited(1000.0 + uptime) == expected
    assert backoff.exited(2000.0) == expected * 2  # exited again without serving: no reset


def test_the_first_delay_may_be_fractional() -> None:
    assert delays_of_crashes(RestartBackoff(first=0.25, cap=1), 4) == [0.25, 0.5, 1, 1]
