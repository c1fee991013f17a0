"""Many senders, many listeners, connections dropped all along: exactly-once, in-order delivery."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import redis

from notification.client import NotificationClient
from notification.event import Event
from tests.integration.notification.collector import Collector

KEYS = 40
EVENTS = 4_000
SENDERS = 4


def test_every_key_listener_gets_exactly_its_events_in_order_while_connections_drop(redis_url: str) -> None:
    with NotificationClient(redis_url) as sender_client, NotificationClient(redis_url) as listener_client:
        collectors = {f"key-{k}": Collector() for k in range(KEYS)}
        for key, collector in collectors.items():
            listener_client.register_listener(collector, [key], begin_offset=0)
        stop_killing = threading.Event()
        killer = threading.Thread(target=_kill_connections, args=(redis_url, stop_killing))
        killer.start()
        try:
            _send_concurrently(sender_client)
        finally:
            stop_killing.set()
            killer.join()

        for key, collector in collectors.items():
            received = collector.wait_for(EVENTS // KEYS, timeout=30)
            expected = sender_client.list_events(key)
            assert len(expected) == EVENTS // KEYS, f"{key}: stored {len(expected)} events"
            assert received == expected, f"{key}: delivered events differ from stored ones"
            for sender in range(SENDERS):  # each sender's events of this key keep its sending order
                sequence = [int(e.value.split(":")[1]) for e in received if e.sender == str(sender)]
                assert sequence == sorted(sequence)
        assert sender_client.latest_offset() == EVENTS


def _send_concurrently(client: NotificationClient) -> None:
    def send(sender: int) -> None:
        for i in _share(sender):
            client.send_event(Event(key=f"key-{i % KEYS}", value=f"{sender}:{i}", sender=str(sender)))

    threads = [threading.Thread(target=send, args=(s,)) for s in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _share(sender: int) -> Iterator[int]:
    return iter(range(sender, EVENTS, SENDERS))


def _kill_connections(redis_url: str, stop: threading.Event) -> None:
    """Drop every client connection (senders' and listeners') every 50 ms until stopped."""
    admin = redis.Redis.from_url(redis_url)
    try:
        while not stop.wait(0.05):
            admin.client_kill_filter(_type="normal", skipme=True)
    finally:
        admin.close()
