"""While the event bus or the database is unreachable the API answers 503 JSON, quickly, and leaves no orphan rows.

The outages are real: a :class:`~tests.faults.TcpProxy` stands between the
app and the private Redis (or a PostgreSQL / MariaDB server named by
``AIFLOW_TEST_POSTGRES_URL`` / ``AIFLOW_TEST_MYSQL_URL``) and cuts every
connection. The app builds its own bus client and engine from its
configuration, as a deployed server does, so their timeouts are the real ones.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import URL, func, make_url, select
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.metadata import WorkflowExecution, WorkflowSchedule, migrate, session_scope
from notification.client import NotificationClient
from notification.embedded import EmbeddedServer
from tests.faults import TcpProxy
from tests.integration.metadata.conftest import SERVER_URL_VARIABLES, throwaway_database
from tests.integration.web.conftest import WORKFLOW, make_package, upload, workflow_source
from tests.support import server_config_in
from web import create_app
from web.api.executions import start_request_id
from web.services import BUS_RETRY_BUDGET_S, publish

QUICK_S = BUS_RETRY_BUDGET_S + 5
"""A request during an outage answers within this many seconds (the bus client's own budget is 15 s)."""
DEFAULT_PORTS = {"postgresql": 5432, "mysql": 3306}


def shut(app: Flask) -> None:
    """Close the engine and the bus client the app built."""
    built = app.extensions["aiflow"]
    built.bus.close()
    built.engine.dispose()


@pytest.fixture
def bus_proxy(redis_server: EmbeddedServer, redis_url: str) -> Iterator[TcpProxy]:
    """A proxy in front of the private (flushed) Redis."""
    with TcpProxy(redis_server.port) as proxy:
        yield proxy


@pytest.fixture
def app_through(tmp_path: Path, bus_proxy: TcpProxy, redis_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps whose bus is reached through ``bus_proxy``; each is shut at the end."""
    apps: list[Flask] = []

    def build(engine: Engine | None = None, **overrides: Any) -> Flask:
        config = server_config_in(tmp_path, bus_proxy.url(redis_url), **overrides)
        apps.append(create_app(config, engine=engine))
        return apps[-1]

    yield build
    for app in apps:
        shut(app)


@pytest.fixture
def bus_cut_client(app_through: Callable[..., Flask], db: Engine) -> FlaskClient:
    """A client of an app on the SQLite ``db`` holding workflow ``wf``, its bus reachable until cut."""
    client = app_through(engine=db).test_client()
    assert upload(client, make_package({"wf.py": workflow_source()})).status_code == 201
    return client


def answered_quickly(call: Callable[[], Any]) -> Any:
    """Return ``call()``, failing the test if it took longer than :data:`QUICK_S`."""
    began = time.monotonic()
    result = call()
    assert time.monotonic() - began < QUICK_S
    return result


def count(engine: Engine, table: Any) -> int:
    with session_scope(engine) as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def commands(bus: NotificationClient) -> list[Command]:
    return [Command.from_event(event) for event in bus.list_events(COMMAND_EVENT_KEY)]


def test_the_proxy_drops_connections_while_cut_and_forwards_again_after(bus_proxy: TcpProxy, redis_url: str) -> None:
    client = redis.Redis.from_url(bus_proxy.url(redis_url))
    try:
        assert client.ping() and bus_proxy.open_connections == 1

        bus_proxy.cut()
        assert bus_proxy.open_connections == 0
        with pytest.raises(redis.ConnectionError):
            client.ping()

        bus_proxy.restore()
        assert client.ping() and bus_proxy.open_connections == 1
    finally:
        client.close()


def test_health_names_the_bus_while_it_is_cut(bus_cut_client: FlaskClient, bus_proxy: TcpProxy) -> None:
    assert bus_cut_client.get("/api/v1/health").json == {"status": "ok", "database": "ok", "bus": "ok"}

    bus_proxy.cut()
    down = answered_quickly(lambda: bus_cut_client.get("/api/v1/health"))
    bus_proxy.restore()

    assert down.status_code == 503
    assert down.json == {"error": "unavailable", "detail": "unreachable: bus", "database": "ok", "bus": "unreachable"}
    assert bus_cut_client.get("/api/v1/health").status_code == 200


def test_a_start_that_cannot_be_published_leaves_no_execution(
    bus_cut_client: FlaskClient, bus_proxy: TcpProxy, db: Engine, bus: NotificationClient
) -> None:
    bus_proxy.cut()
    refused = answered_quickly(lambda: bus_cut_client.post(f"{WORKFLOW}/executions"))

    assert refused.status_code == 503
    assert refused.json["error"] == "unavailable"
    assert "the execution was not started" in refused.json["detail"]
    assert count(db, WorkflowExecution) == 0

    bus_proxy.restore()
    started = bus_cut_client.post(f"{WORKFLOW}/executions")

    assert started.status_code == 201
    assert bus_cut_client.get(f"{WORKFLOW}/executions").json["total"] == 1
    start = Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=started.json["id"])
    assert commands(bus)[-1] == start


def test_a_schedule_whose_change_cannot_be_announced_is_not_added(
    bus_cut_client: FlaskClient, bus_proxy: TcpProxy, db: Engine
) -> None:
    hourly = {"expression": "cron@0 * * * *"}
    bus_proxy.cut()
    refused = answered_quickly(lambda: bus_cut_client.post(f"{WORKFLOW}/schedules", json=hourly))
    bus_proxy.restore()

    assert refused.status_code == 503
    assert "the workflow schedule was not added" in refused.json["detail"]
    assert count(db, WorkflowSchedule) == 0
    assert bus_cut_client.post(f"{WORKFLOW}/schedules", json=hourly).status_code == 201
    assert count(db, WorkflowSchedule) == 1


def test_a_change_stored_while_the_bus_is_cut_is_announced_when_repeated(
    bus_cut_client: FlaskClient, bus_proxy: TcpProxy, bus: NotificationClient
) -> None:
    bus_proxy.cut()
    refused = answered_quickly(lambda: bus_cut_client.post(f"{WORKFLOW}/disable"))
    bus_proxy.restore()

    assert refused.status_code == 503
    assert "the change is stored, but the scheduler was not told" in refused.json["detail"]
    assert bus_cut_client.get(WORKFLOW).json["is_enabled"] is False
    before = len(commands(bus))
    assert bus_cut_client.post(f"{WORKFLOW}/disable").status_code == 200
    workflow_id = bus_cut_client.get(WORKFLOW).json["id"]
    assert commands(bus)[before:] == [Command(CommandKind.WORKFLOW_CHANGED, workflow_id=workflow_id)]


def test_a_retried_start_publish_stores_one_event(bus_cut_client: FlaskClient, bus: NotificationClient) -> None:
    app = bus_cut_client.application
    command = Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=7)

    with app.app_context():
        first = publish(command, "default", request_id=start_request_id(7))
        again = publish(command, "default", request_id=start_request_id(7))

    assert first.offset == again.offset
    assert commands(bus).count(command) == 1


def test_an_unopenable_database_answers_503(app_through: Callable[..., Flask], tmp_path: Path) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'aiflow.db'}", poolclass=NullPool)
    client = app_through(engine=engine).test_client()

    listed = client.get("/api/v1/namespaces")
    health = client.get("/api/v1/health")

    assert listed.status_code == 503
    assert listed.json == {"error": "unavailable", "detail": "the metadata database is unavailable; try again later"}
    assert health.status_code == 503
    assert (health.json["database"], health.json["bus"]) == ("unreachable", "ok")


def test_web_ui_pages_answer_503_pages_while_the_database_or_the_bus_is_away(
    app_through: Callable[..., Flask], tmp_path: Path, bus_cut_client: FlaskClient, bus_proxy: TcpProxy
) -> None:
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'no such folder' / 'aiflow.db'}", poolclass=NullPool)
    no_database = app_through(engine=engine).test_client().get("/namespaces/default/workflows")
    assert no_database.status_code == 503 and no_database.mimetype == "text/html"
    assert "cannot be reached" in no_database.get_data(as_text=True)

    bus_proxy.cut()
    no_bus = answered_quickly(lambda: bus_cut_client.get("/namespaces/default/events"))
    assert (no_bus.status_code, no_bus.mimetype) == (503, "text/html")
    assert "unreachable" in no_bus.get_data(as_text=True)
    assert bus_cut_client.get("/namespaces/default/workflows").status_code == 200  # what needs no bus still shows


@pytest.fixture(params=sorted(SERVER_URL_VARIABLES))
def server_database(request: pytest.FixtureRequest) -> Iterator[URL]:
    """A migrated, randomly named database on a PostgreSQL or MariaDB server; skipped when none answers."""
    backend = request.param
    server_url = os.environ.get(SERVER_URL_VARIABLES[backend])
    if not server_url:
        pytest.skip(f"{backend}: set {SERVER_URL_VARIABLES[backend]} to a server URL to run the outage test on it")
    for url in throwaway_database(backend, make_url(server_url)):
        engine = sqlalchemy.create_engine(url, poolclass=NullPool)
        migrate.init(engine)
        engine.dispose()
        yield url


def test_a_cut_database_answers_503_then_recovers(server_database: URL, app_through: Callable[..., Flask]) -> None:
    port = server_database.port or DEFAULT_PORTS[server_database.get_backend_name()]
    with TcpProxy(port, server_database.host or "127.0.0.1") as database_proxy:
        url = database_proxy.url(server_database.render_as_string(hide_password=False))
        client = app_through(metadata_backend_uri=url).test_client()
        assert client.get("/api/v1/namespaces").status_code == 200

        database_proxy.cut()
        listed = answered_quickly(lambda: client.get("/api/v1/namespaces"))
        started = answered_quickly(lambda: client.post(f"{WORKFLOW}/executions"))
        health = answered_quickly(lambda: client.get("/api/v1/health"))
        database_proxy.restore()

        assert (listed.status_code, listed.json["error"]) == (503, "unavailable")
        assert (started.status_code, started.json["error"]) == (503, "unavailable")
        assert (health.status_code, health.json["database"], health.json["bus"]) == (503, "unreachable", "ok")
        assert client.get("/api/v1/namespaces").status_code == 200
        assert client.get("/api/v1/health").status_code == 200
