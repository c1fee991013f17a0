"""Event bus benchmark: send throughput, send -> listener latency and one page of a namespace.

Run: ``python bench/event_bus.py [--events 2000] [--redis-binary PATH]``. It starts
its own Redis (the embedded server, on a free port) and stops it at the end.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

from harness import private_redis

from notification.client import NotificationClient
from notification.event import Event
from notification.listener import ListenerProcessor
from notification.redis_binary import find_redis_binary


class _Timer(ListenerProcessor):
    """Records when each event arrives and wakes the sender."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.signal = threading.Event()

    def process(self, events: list[Event]) -> None:
        now = time.perf_counter()
        for event in events:
            self.arrived[int(event.value or 0)] = now
        self.signal.set()


def measure_throughput(client: NotificationClient, count: int, threads: int) -> float:
    """Return events stored per second when ``threads`` threads send ``count`` events in all."""
    def send(share: range) -> None:
        for i in share:
            client.send_event(Event(key=f"throughput-{i % 10}", value=str(i)))

    workers = [threading.Thread(target=send, args=(range(t, count, threads),)) for t in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return count / (time.perf_counter() - started)


def measure_latency(client: NotificationClient, count: int) -> list[float]:
    """Send ``count`` events one at a time; return each one's send -> delivery time in ms."""
    timer = _Timer()
    registration = client.register_listener(timer, ["latency"])
    latencies = []
    for i in range(count):
        timer.signal.clear()
        sent_at = time.perf_counter()
        client.send_event(Event(key="latency", value=str(i)))
        while i not in timer.arrived:
            timer.signal.wait(5)
            timer.signal.clear()
        latencies.append((timer.arrived[i] - sent_at) * 1000)
    client.unregister_listener(registration)
    return latencies


def measure_page(client: NotificationClient, events: int, pages: int = 50) -> float:
    """Spread ``events`` over 10 namespaces; return the ms to list a page of 100 of one namespace."""
    for i in range(events):
        client.send_event(Event(key=f"page-{i % 10}", value=str(i), namespace=f"ns-{i % 10}"))
    started = time.perf_counter()
    for _ in range(pages):
        client.list_events(namespace="ns-3", limit=100)
    return (time.perf_counter() - started) * 1000 / pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--redis-binary", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, private_redis(Path(home), args.redis_binary) as server:
        with NotificationClient(server.url) as client:
            report(client, args.events, find_redis_binary(args.redis_binary))


def report(client: NotificationClient, events: int, binary: str) -> None:
    version = client.redis.info("server")["redis_version"]
    print(f"Redis {version} ({binary}), {events} events")
    client.redis.config_resetstat()
    for threads in (1, 4):
        print(f"send throughput, {threads} thread(s): {measure_throughput(client, events, threads):,.0f} events/s")
    script = client.redis.info("commandstats").get("cmdstat_evalsha", {})
    print(f"send script on the server: {script.get('usec_per_call', 0):.2f} us per send")
    latencies = sorted(measure_latency(client, events))
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"send -> listener latency: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {latencies[-1]:.3f} ms")
    print(f"one page of 100 events of a namespace: {measure_page(client, events):.3f} ms")


if __name__ == "__main__":
    main()
