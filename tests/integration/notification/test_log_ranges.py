"""Reading a try's log backwards in ranges of bytes, following it live, and the newest events first."""

from __future__ import annotations

import threading

from notification.client import NotificationClient
from notification.event import Event
from notification.keys import TaskKeys
from notification.task_logs import read_task_log_range, wait_for_task_log

KEYS = TaskKeys()


def write_lines(bus: NotificationClient, count: int, width: int = 100, try_number: int = 1) -> None:
    with bus.redis.pipeline(transaction=False) as pipe:
        for index in range(count):
            pipe.xadd(KEYS.log(7, try_number), {"line": f"{index:06d} " + "x" * (width - 7)})
        pipe.execute()


def test_a_long_log_is_read_from_its_end_a_range_of_bytes_at_a_time(bus: NotificationClient) -> None:
    write_lines(bus, 2000)  # 200 KB
    last = read_task_log_range(bus.redis, 7, 1, max_bytes=64 * 1024)
    assert 600 <= len(last.lines) <= 660 and last.lines[-1].startswith("001999")
    assert last.earlier is not None
    seen = list(last.lines)
    cursor = last.earlier
    while cursor is not None:
        earlier = read_task_log_range(bus.redis, 7, 1, before=cursor, max_bytes=64 * 1024)
        seen = earlier.lines + seen
        cursor = earlier.earlier
    assert [int(line[:6]) for line in seen] == list(range(2000))


def test_a_short_or_missing_log_is_one_range_with_nothing_before(bus: NotificationClient) -> None:
    write_lines(bus, 3)
    assert read_task_log_range(bus.redis, 7, 1).earlier is None
    empty = read_task_log_range(bus.redis, 7, 9)
    assert (empty.lines, empty.earlier) == ([], None)


def test_a_follower_gets_lines_written_while_it_waits_then_hears_the_log_is_done(bus: NotificationClient) -> None:
    write_lines(bus, 1)
    start = read_task_log_range(bus.redis, 7, 1)
    writer = threading.Timer(0.2, lambda: write_lines(bus, 2))
    writer.start()
    page = wait_for_task_log(bus.redis, 7, 1, start.end, timeout=5)
    writer.join()
    assert page.lines and not page.finished
    bus.redis.set(KEYS.log_done(7, 1), 1)
    rest = wait_for_task_log(bus.redis, 7, 1, page.next, timeout=5)
    assert rest.finished


def test_the_newest_events_come_first_filtered_by_sender(bus: NotificationClient) -> None:
    for index in range(300):
        bus.send_event(Event(key=f"k{index % 3}", value=str(index), namespace="ns", sender=f"s{index % 2}"))
    bus.send_event(Event(key="k0", value="elsewhere", namespace="other"))
    newest = bus.latest_events(namespace="ns", sender="s1", limit=5)
    assert [event.value for event in newest] == ["299", "297", "295", "293", "291"]
    by_key = bus.latest_events(key="k0", namespace="ns", limit=2)
    assert [event.value for event in by_key] == ["297", "294"]
