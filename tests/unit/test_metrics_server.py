"""The metrics endpoint of the scheduler and the workers: served from a thread, never a reason to stop."""

from __future__ import annotations

import logging
import socket

import pytest
from prometheus_client import CollectorRegistry, Counter

from aiflow.metrics_server import MetricsEndpoint
from tests.support import free_port, port_is_open, scrape


def registry_counting(name: str) -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter(name, "A test counter.", registry=registry).inc(3)
    return registry


def test_it_serves_its_registry_until_stopped() -> None:
    port = free_port()

    with MetricsEndpoint(registry_counting("served"), "127.0.0.1", port, "Test"):
        assert scrape(f"http://127.0.0.1:{port}/metrics").value("served_total") == 3

    assert not port_is_open(port)  # and its thread has ended (the leak check would fail the test)


def test_port_0_serves_nothing() -> None:
    endpoint = MetricsEndpoint(CollectorRegistry(), "127.0.0.1", 0, "Test")

    assert endpoint.start() is False
    endpoint.stop()


def test_a_taken_port_is_logged_once_and_serves_nothing(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        endpoint = MetricsEndpoint(registry_counting("never"), "127.0.0.1", port, "Test")

        with caplog.at_level(logging.ERROR, "aiflow.metrics_server"):
            assert endpoint.start() is False
        endpoint.stop()

        assert [record.getMessage() for record in caplog.records] == [
            f"Test: metrics endpoint 127.0.0.1:{port} not served, running without it: Address already in use"]
