"""One running stack per test module (private Redis, SQLite, API server, scheduler, worker) and a canary.

Each test injects its fault into that stack, then checks three things: the canary in namespace
``canary`` still succeeds within 5 s of its start call, the bad item shows its error through
the API, and nothing that existed before the test changed (:meth:`Scene.assert_contained`).
Custom conditions are given 1 s (``condition_evaluation_timeout``) and workflow files 5 s to load
(``workflow_load_timeout``), so a hang shows quickly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine

from aiflow.metadata import create_engine, migrate
from notification.client import NotificationClient
from tests.conftest import start_private_redis
from tests.faults.stack import Api, Stack
from tests.faults.world import Canary, Rows, applied_offset
from tests.support import wait_until

CONDITION_TIMEOUT_S = "1"
LOAD_TIMEOUT_S = "5"


@dataclass
class Running:
    """The module's stack with the test's own ways in: an engine on its database and a client of its Redis."""

    stack: Stack
    engine: Engine
    bus: NotificationClient
    canary: Canary

    @property
    def api(self) -> Api:
        return self.stack.api


@dataclass
class Scene:
    """The running stack as a test found it: what existed before the fault, and which scheduler ran."""

    running: Running
    before: Rows
    scheduler_pid: int

    @property
    def api(self) -> Api:
        return self.running.api

    @property
    def engine(self) -> Engine:
        return self.running.engine

    @property
    def bus(self) -> NotificationClient:
        return self.running.bus

    @property
    def stack(self) -> Stack:
        return self.running.stack

    def canary_sings(self) -> int:
        """The canary's next execution succeeds within 5 s of its start call; return its id.

        The scheduler has then applied every event sent before, whatever was bad among them.
        """
        sent_before = self.bus.latest_offset()
        execution_id = self.running.canary.sings()
        assert applied_offset(self.engine) > sent_before
        return execution_id

    def restart_scheduler(self) -> None:
        """Stop the scheduler and start a new one, which must recover and lead."""
        self.scheduler_pid = self.stack.restart_scheduler().popen.pid

    def assert_contained(self) -> None:
        """Every process still runs (the same scheduler), and no row that existed before the fault changed."""
        assert self.stack.dead() == []
        assert self.stack.services["scheduler"].popen.pid == self.scheduler_pid, "the scheduler was restarted"
        assert Rows.read(self.engine).changed_since(self.before) == []


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A stack for the module, on a private Redis and a SQLite file, with the canary uploaded."""
    folder = tmp_path_factory.mktemp("fault-stack")
    redis = start_private_redis(folder / "redis")
    database_url = f"sqlite:///{folder / 'aiflow.db'}"
    engine = create_engine(database_url)
    migrate.init(engine)
    bus = NotificationClient(redis.url)
    stack = Stack(folder, redis.url, database_url, AIFLOW_CONDITION_EVALUATION_TIMEOUT=CONDITION_TIMEOUT_S,
                  AIFLOW_WORKFLOW_LOAD_TIMEOUT=LOAD_TIMEOUT_S)
    try:
        stack.start()
        yield Running(stack, engine, bus, Canary(stack.api))
    finally:
        stack.close()
        bus.close()
        engine.dispose()
        redis.stop()


@pytest.fixture
def scene(running: Running) -> Scene:
    """The stack once every execution earlier tests started has finished."""
    wait_until(lambda: not Rows.read(running.engine).unfinished(), timeout=30,
               message="the executions of earlier tests to finish")
    return Scene(running, Rows.read(running.engine), running.stack.services["scheduler"].popen.pid)

