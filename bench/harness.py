"""What the benchmarks run on: a private Redis on a free port, and services in threads stopped at the end.

The benchmarks run as scripts (``python bench/event_bus.py``), which puts this folder on
``sys.path``: they import this module as ``harness``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from notification.embedded import EmbeddedServer


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def private_redis(home: Path, binary: str | None = None) -> Iterator[EmbeddedServer]:
    """Run the embedded Redis on a free port with its files in ``home``; stop it on exit."""
    server = EmbeddedServer(home=home, port=free_port(), binary=binary)
    server.start(daemon=True, timeout=10)
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def in_thread(run: Callable[[threading.Event], object], name: str) -> Iterator[None]:
    """Call ``run(stop)`` in a thread; on exit set ``stop`` and wait for the thread to end."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(stop,), name=name)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
