"""``notification server start | stop`` and ``event listen`` as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notification.embedded import STARTED_MESSAGE
from tests.support import free_port, port_is_open, process_running, wait_until

NOTIFICATION = str(Path(sys.executable).parent / "notification")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "notification"


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment of a user whose notification home is fresh and whose server port is free."""
    port = free_port()
    return {**os.environ, "NOTIFICATION_HOME": str(home), "NOTIFICATION_SERVER_PORT": str(port),
            "NOTIFICATION_SERVER_URI": f"127.0.0.1:{port}"}


@pytest.fixture
def server(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A daemonized server, stopped after the test whatever happened."""
    assert notification(env, "server", "start", "-d").returncode == 0
    yield env
    notification(env, "server", "stop")


def notification(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NOTIFICATION, *args], env=env, capture_output=True, text=True, timeout=60)


def test_a_daemon_server_stores_events_and_stop_leaves_nothing_behind(server: dict[str, str], home: Path) -> None:
    port = int(server["NOTIFICATION_SERVER_PORT"])
    pid = int((home / "notification_server.pid").read_text())

    assert notification(server, "event", "send", "k", "v").stdout == "Sent event 'k' at offset 1.\n"
    listed = json.loads(notification(server, "event", "list", "k", "-o", "json").stdout)
    assert [e["value"] for e in listed] == ["v"]
    assert stat.S_IMODE((home / "redis.password").stat().st_mode) == 0o600
    assert any(STARTED_MESSAGE in log.read_text() for log in (home / "logs").glob("notification_server-*.log"))

    stopped = notification(server, "server", "stop")

    assert stopped.stdout == f"Notification server (pid {pid}) stopped.\n"
    assert not process_running(pid) and not port_is_open(port)
    assert not (home / "notification_server.pid").exists()
    assert notification(server, "server", "stop").stdout == "Notification server is not running.\n"


def test_the_password_is_required_from_other_clients(server: dict[str, str]) -> None:
    port = server["NOTIFICATION_SERVER_PORT"]
    foreign = {**server, "NOTIFICATION_HOME": "/nonexistent"}

    result = notification(foreign, "event", "list", "k", "-s", f"redis://127.0.0.1:{port}/0")

    assert result.returncode == 1
    assert result.stderr.startswith("Error: the event bus refused the credentials")


def test_starting_twice_says_it_is_already_running(server: dict[str, str], home: Path) -> None:
    pid = (home / "notification_server.pid").read_text().strip()

    again = notification(server, "server", "start", "-d")

    assert again.returncode == 1
    assert again.stderr == f"Error: notification server is already running (pid {pid})\n"


def test_events_survive_a_restart(server: dict[str, str]) -> None:
    notification(server, "event", "send", "k", "kept")
    notification(server, "server", "stop")

    assert notification(server, "server", "start", "-d").returncode == 0

    assert notification(server, "event", "count", "k").stdout == "1\n"
    assert notification(server, "event", "send", "k", "next").stdout == "Sent event 'k' at offset 2.\n"


def test_listen_prints_new_events_live_until_interrupted(server: dict[str, str]) -> None:
    notification(server, "event", "send", "k", "old")
    listener = subprocess.Popen([NOTIFICATION, "event", "listen", "k"], env=server, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert "Listening to 'k'" in listener.stderr.readline()  # type: ignore[union-attr]
        notification(server, "event", "send", "k", "live")
        line = listener.stdout.readline()  # type: ignore[union-attr]
        assert line.split("\t")[:3] == ["2", "k", "live"]
    finally:
        listener.send_signal(signal.SIGINT)
        assert listener.wait(10) == 0
        listener.stdout.close()  # type: ignore[union-attr]
        listener.stderr.close()  # type: ignore[union-attr]


def test_a_foreground_server_stops_on_ctrl_c(env: dict[str, str]) -> None:
    port = int(env["NOTIFICATION_SERVER_PORT"])
    server = subprocess.Popen([NOTIFICATION, "server", "start"], env=env, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: port_is_open(port), message="the server's port to open")
        assert notification(env, "event", "send", "k", "v").returncode == 0
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=15)

    assert server.returncode == 0 and "Notification server stopped." in output
    wait_until(lambda: not port_is_open(port), timeout=5, message="the port to close")


def test_a_port_in_use_is_reported(env: dict[str, str], server: dict[str, str]) -> None:
    clash = {**env, "NOTIFICATION_HOME": env["NOTIFICATION_HOME"] + "-2"}

    result = notification(clash, "server", "start", "-d")

    assert result.returncode == 1
    port = env["NOTIFICATION_SERVER_PORT"]
    assert result.stderr == f"Error: port {port} on 127.0.0.1 is already in use by another program\n"
