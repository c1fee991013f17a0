"""Redis, then the database, away for 10 s each while executions run: nothing exits, each task runs once, logs complete.

Every process of the stack (API server, scheduler, worker) reaches Redis through a
:class:`~tests.faults.TcpProxy`; cutting it drops every connection and refuses new ones, as a
server that went away. The database is away in the way its backend can be: PostgreSQL
(``AIFLOW_TEST_POSTGRES_URL``) behind a second proxy, cut the same way; SQLite, a file every
process opens itself, cannot be taken away without taking its disk, so another process holds
its write lock for 10 s instead (readers go on in WAL mode, writers wait). The outages are
longer than the heartbeat time-out (3 s), which the scheduler must tolerate. The test watches
through its own connections, which no proxy or lock stands in.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import make_url, select
from sqlalchemy.engine import Engine

from aiflow.metadata import create_engine, migrate
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.session import session_scope
from tests.conftest import start_private_redis
from tests.faults import TcpProxy
from tests.faults.stack import Stack
from tests.faults.world import applied_offset
from tests.integration.metadata.conftest import SERVER_URL_VARIABLES, throwaway_database
from tests.support import wait_until

OUTAGE_S = 10.0
WORKFLOWS = [f"steady{i}" for i in range(4)]
TASKS = ["a", "b", "c"]
STEADY = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="{name}") as workflow:
    a = BashOperator(name="a", bash_command="sleep 2 && echo {name}.a >> {effects}")
    b = BashOperator(name="b", bash_command="sleep 2 && echo {name}.b >> {effects}")
    c = BashOperator(name="c", bash_command="sleep 2 && echo {name}.c >> {effects}")
    c.start_after([a, b])
'''


@dataclass
class Database:
    """A migrated database: the URL the stack uses, the test's own engine, and how to take it away and back."""

    url: str
    engine: Engine
    take_away: Callable[[], None]
    give_back: Callable[[], None]
    #: What the API answers a read while the database is away.
    read_status: int


class WriteLock:
    """Holds the write lock of a SQLite file from another connection, as a long transaction would."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def take(self) -> None:
        self._connection = sqlite3.connect(self._path, isolation_level=None)
        self._connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self._connection is not None:
            self._connection.execute("ROLLBACK")
            self._connection.close()
            self._connection = None


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of each backend (PostgreSQL is skipped when no server answers)."""
    if request.param == "sqlite":
        path = tmp_path / "aiflow.db"
        engine = create_engine(f"sqlite:///{path}")
        migrate.init(engine)
        lock = WriteLock(path)
        try:
            yield Database(f"sqlite:///{path}", engine, lock.take, lock.release, 200)
        finally:
            lock.release()
            engine.dispose()
        return
    variable = SERVER_URL_VARIABLES["postgresql"]
    server_url = os.environ.get(variable)
    if not server_url:
        pytest.skip(f"postgresql: set {variable} to a server URL to run the outage test on it")
    for url in throwaway_database("postgresql", make_url(server_url)):
        engine = create_engine(url)
        migrate.init(engine)
        with TcpProxy(url.port or 5432, url.host or "127.0.0.1") as proxy:
            try:
                yield Database(proxy.url(url.render_as_string(hide_password=False)), engine, proxy.cut,
                               proxy.restore, 503)
            finally:
                engine.dispose()


@pytest.fixture
def redis_proxy(tmp_path: Path) -> Iterator[tuple[TcpProxy, str]]:
    """A private Redis behind a proxy: the proxy and the URL through it."""
    redis = start_private_redis(tmp_path / "redis")
    try:
        with TcpProxy(redis.port) as proxy:
            yield proxy, proxy.url(redis.url)
    finally:
        redis.stop()


@pytest.fixture
def stack(database: Database, redis_proxy: tuple[TcpProxy, str], tmp_path: Path) -> Iterator[Stack]:
    running = Stack(tmp_path, redis_proxy[1], database.url, concurrency=4)
    try:
        yield running.start()
    finally:
        running.close()


def away_for(seconds: float, take_away: Callable[[], None], give_back: Callable[[], None], engine: Engine,
             meanwhile: Callable[[], None], settled: Callable[[], bool] = lambda: True) -> None:
    """Take a dependency away for ``seconds``, calling ``meanwhile`` during the outage.

    Once ``settled()`` holds, the scheduler's checkpoint must not move: it can neither read the log nor
    commit. (Without Redis it may still commit a batch it read just before the cut, until it notices.)
    """
    take_away()
    ends = time.monotonic() + seconds
    try:
        meanwhile()
        wait_until(settled, timeout=seconds / 2, message="the scheduler to notice the outage")
        frozen = applied_offset(engine)
        time.sleep(max(0.0, ends - time.monotonic()))  # the outage's length, not a wait for a condition
        assert applied_offset(engine) == frozen, "the scheduler applied events during the outage"
    finally:
        give_back()


def task_rows(engine: Engine) -> list[TaskExecution]:
    with session_scope(engine) as session:
        return list(session.scalars(select(TaskExecution).order_by(TaskExecution.id)))


def executions(engine: Engine) -> dict[int, str]:
    with session_scope(engine) as session:
        return {row.id: row.status for row in session.scalars(select(WorkflowExecution))}


def count_in(engine: Engine, status: str) -> int:
    return sum(row.status == status for row in task_rows(engine))


def answers(stack: Stack, path: str, status: int) -> Callable[[], None]:
    """A check that the API answers ``path`` with ``status`` (JSON) right now."""
    def check() -> None:
        response = stack.api.get(path)
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/json")

    return check


def test_redis_then_the_database_away_for_10_s_each_while_executions_run(
    stack: Stack, database: Database, redis_proxy: tuple[TcpProxy, str], tmp_path: Path
) -> None:
    engine, bus = database.engine, redis_proxy[0]
    shared = tmp_path / "shared"  # tasks may not add entries beside the stack's homes, only in folders below
    shared.mkdir()
    effects = shared / "side-effects.txt"
    for name in WORKFLOWS:
        response = stack.api.upload("default", {f"{name}.py": STEADY.format(name=name, effects=effects)})
        assert response.status_code == 201, response.text
    started = [stack.api.start("default", name) for name in WORKFLOWS]
    wait_until(lambda: count_in(engine, "RUNNING") >= 2, timeout=30, message="tasks to run")

    scheduler = stack.services["scheduler"]
    away_for(OUTAGE_S, bus.cut, bus.restore, engine, answers(stack, "/health", 503),
             settled=lambda: "the event bus (Redis) unreachable" in scheduler.log())
    assert stack.dead() == []
    done = count_in(engine, "SUCCESS")
    wait_until(lambda: count_in(engine, "SUCCESS") > done, timeout=30, message="reports applied after Redis is back")
    away_for(OUTAGE_S, database.take_away, database.give_back, engine,
             answers(stack, "/namespaces", database.read_status))
    assert stack.dead() == []

    wait_until(lambda: set(executions(engine).values()) <= {"SUCCESS", "FAILED"}, timeout=120, interval=0.5,
               message="every execution to finish")
    assert executions(engine) == {execution_id: "SUCCESS" for execution_id in started}
    runs = [(row.workflow_execution_id, row.task_name, row.sequence_number, row.try_number, row.status)
            for row in task_rows(engine)]
    assert sorted(runs) == sorted((e, t, 1, 1, "SUCCESS") for e in started for t in TASKS)
    assert sorted(effects.read_text().split()) == sorted(f"{w}.{t}" for w in WORKFLOWS for t in TASKS)
    for row in task_rows(engine):  # marked complete even if the try ended while Redis was away
        wait_until(lambda row=row: stack.api.ok("GET", f"/task-executions/{row.id}/logs")["finished"], timeout=15,
                   message=f"the log of task execution {row.id} to be complete")
    assert stack.dead() == []
