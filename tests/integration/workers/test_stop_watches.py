"""The worker's one subscription that hears every try's stop, on a real Redis, across a lost connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notification.client import NotificationClient
from notification.keys import TaskKeys
from notification.task_control import TaskControl
from tests.support import wait_until
from workers.control import StopWatches

KEYS = TaskKeys("stopwatch-test")


@pytest.fixture
def watches(bus: NotificationClient) -> Iterator[StopWatches]:
    watches = StopWatches(bus.redis, KEYS)
    watches.start()
    yield watches
    watches.close()


def claimed(bus: NotificationClient, task_execution_id: int) -> None:
    assert TaskControl(bus.redis, KEYS).claim_to_run(task_execution_id, 1, "run:test", "test", 30)


def test_a_stop_reaches_its_own_try_only(bus: NotificationClient, watches: StopWatches) -> None:
    first, second = watches.watch(1, 1), watches.watch(2, 1)
    claimed(bus, 1), claimed(bus, 2)
    wait_until(lambda: _pattern_subscribers(bus), message="the watch to subscribe")

    assert TaskControl(bus.redis, KEYS).stop([(1, 1)]) == [False]  # claimed: its worker is asked

    wait_until(first.event.is_set, message="the stop to be heard")
    assert not second.event.is_set()


def test_a_closed_watch_hears_nothing_more(bus: NotificationClient, watches: StopWatches) -> None:
    watch = watches.watch(3, 1)
    claimed(bus, 3)
    wait_until(lambda: _pattern_subscribers(bus), message="the watch to subscribe")
    watch.close()
    later = watches.watch(4, 1)  # a stop heard after this one proves the first was ignored, not slow
    claimed(bus, 4)

    TaskControl(bus.redis, KEYS).stop([(3, 1), (4, 1)])

    wait_until(later.event.is_set, message="the second stop to be heard")
    assert not watch.event.is_set()


def test_a_stop_sent_before_the_watch_subscribed_is_found_in_its_key(bus: NotificationClient) -> None:
    watches = StopWatches(bus.redis, KEYS)
    watch = watches.watch(5, 1)
    claimed(bus, 5)
    TaskControl(bus.redis, KEYS).stop([(5, 1)])  # published while nobody listens
    watches.start()
    try:
        wait_until(watch.event.is_set, message="the stop key to be read once subscribed")
    finally:
        watches.close()


def test_the_watch_subscribes_again_after_its_connection_is_cut(bus: NotificationClient,
                                                                  watches: StopWatches) -> None:
    watch = watches.watch(6, 1)
    claimed(bus, 6)
    wait_until(lambda: _pattern_subscribers(bus), message="the watch to subscribe")
    cut = _pattern_subscribers(bus)

    bus.redis.client_kill_filter(_type="pubsub")
    wait_until(lambda: _pattern_subscribers(bus) - cut, message="a new subscription")
    TaskControl(bus.redis, KEYS).stop([(6, 1)])

    wait_until(watch.event.is_set, message="the stop to be heard on the new subscription")


def _pattern_subscribers(bus: NotificationClient) -> set[str]:
    """The ids of the connections with a pattern subscription."""
    return {client["id"] for client in bus.redis.client_list() if int(client.get("psub", 0)) > 0}
