"""``aiflow webserver start`` with two gunicorn workers: ``/metrics`` counts the requests of both.

prometheus_client's multiprocess mode is set up by the command before the web app loads, in a private
folder it empties first; a worker that dies keeps its counts and its successor counts on.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests
from sqlalchemy.engine import Engine

from aiflow.multiprocess_metrics import api_server_folder
from tests.support import free_port, scrape, wait_until

ROUTE = "/api/v1/version"
BURST = 24


class Webserver:
    """``aiflow webserver start --workers 2`` on a free port of loopback, open (no token)."""

    def __init__(self, tmp_path: Path, redis_url: str, db: Engine) -> None:
        port = free_port()
        self.address = f"http://127.0.0.1:{port}"
        env = {**os.environ, "AIFLOW_REST_PORT": str(port), "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
               "AIFLOW_METADATA_BACKEND_URI": str(db.url), "AIFLOW_BLOB_STORE_URI": str(tmp_path / "blob"),
               "AIFLOW_LOG_DIR": str(tmp_path / "logs")}
        self.log = tmp_path / "webserver.log"
        with self.log.open("wb") as output:
            self.popen = subprocess.Popen([sys.executable, "-m", "aiflow", "webserver", "start", "--workers=2"],
                                          env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._serving, timeout=60, interval=0.1, message="the webserver to serve")

    def _serving(self) -> bool:
        assert self.popen.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.address}/api/v1/health", timeout=1).ok and len(self.workers()) == 2
        except requests.ConnectionError:
            return False

    def workers(self) -> list[psutil.Process]:
        return psutil.Process(self.popen.pid).children()

    def stop(self) -> None:
        os.killpg(self.popen.pid, signal.SIGTERM)
        self.popen.wait(30)


@pytest.fixture
def webserver(tmp_path: Path, redis_url: str, db: Engine) -> Iterator[Webserver]:
    stale = api_server_folder() / "counter_1.db"  # left by an earlier server of this home
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    server = Webserver(tmp_path, redis_url, db)
    yield server
    server.stop()


def counting_pids() -> set[int]:
    """The processes that have counted something, by the files of the multiprocess folder."""
    return {int(path.stem.rpartition("_")[2]) for path in api_server_folder().glob("counter_*.db")}


def send_burst(address: str) -> int:
    """Send :data:`BURST` requests at once, each on a connection of its own; return how many were answered."""
    with ThreadPoolExecutor(max_workers=BURST) as pool:
        answers = list(pool.map(lambda _: requests.get(f"{address}{ROUTE}", timeout=10).status_code, range(BURST)))
    assert answers == [200] * BURST
    return BURST


def test_requests_served_by_either_worker_are_counted_once_each(webserver: Webserver) -> None:
    folder = api_server_folder()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert not (folder / "counter_1.db").exists()  # emptied at start
    workers = {worker.pid for worker in webserver.workers()}
    sent = 0

    def both_counted() -> bool:
        nonlocal sent
        sent += send_burst(webserver.address)
        return workers <= counting_pids()

    wait_until(both_counted, timeout=30, interval=0, message="requests to reach both workers")
    assert scrape(f"{webserver.address}/metrics").value(
        "aiflow_api_requests_total", route=ROUTE, method="GET", status="200") == sent

    killed = webserver.workers()[0]
    killed.kill()
    wait_until(lambda: killed.pid not in {w.pid for w in webserver.workers()} and len(webserver.workers()) == 2,
               timeout=30, message="gunicorn to replace the killed worker")
    sent += send_burst(webserver.address)

    assert scrape(f"{webserver.address}/metrics").value(
        "aiflow_api_requests_total", route=ROUTE, method="GET", status="200") == sent
