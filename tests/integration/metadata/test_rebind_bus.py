"""``aiflow db rebind-bus`` through click, on every backend, against the private Redis."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import URL
from sqlalchemy.engine import Engine

from aiflow.cli.db import db
from aiflow.clock import utcnow
from aiflow.metadata import checkpoint, migrate, session_scope
from aiflow.metadata.identity import load_identity, record_bus
from aiflow.scheduler.pairing import read_stores
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys, TaskKeys
from notification.store_layout import pair_database, paired_database, store_id
from tests.support import free_port

KEYS, TASK_KEYS = EventKeys(), TaskKeys()
FENCING_KEY = "aiflow:scheduler:fencing"
#: What workers of the previous database left: one key of each kind for task execution 1, try 1.
OLD_TRY_KEYS = [TASK_KEYS.claim(1, 1), TASK_KEYS.heartbeat(1, 1), TASK_KEYS.stop(1, 1), TASK_KEYS.log_done(1, 1)]


@pytest.fixture
def stores_env(monkeypatch: pytest.MonkeyPatch, database_url: URL, redis_url: str) -> None:
    """Point the configuration at the backend's database and the private Redis."""
    monkeypatch.setenv("AIFLOW_METADATA_BACKEND_URI", database_url.render_as_string(hide_password=False))
    monkeypatch.setenv("AIFLOW_NOTIFICATION_SERVER_URI", redis_url)


def rebind(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(db, ["rebind-bus", *args], input=input)


def send(bus: NotificationClient, count: int) -> None:
    for number in range(count):
        bus.send_event(Event(key="k", value=str(number)))


def applied(engine: Engine) -> int:
    with session_scope(engine) as session:
        return checkpoint.last_applied_offset(session)


def paired_bus(engine: Engine) -> str | None:
    with session_scope(engine) as session:
        return load_identity(session).bus_id


def database_id(engine: Engine) -> str:
    with session_scope(engine) as session:
        return load_identity(session).database_id


def set_checkpoint(engine: Engine, offset: int, token: int = 0, bus_id: str | None = None) -> None:
    """Leave the database as a scheduler leading with ``token`` would, paired with ``bus_id`` if given."""
    with session_scope(engine) as session:
        checkpoint.fence(session, token)
        checkpoint.advance(session, offset)
        if bus_id is not None:
            record_bus(session, bus_id, utcnow())


def assert_paired(engine: Engine, bus: NotificationClient) -> None:
    assert paired_bus(engine) == store_id(bus.redis, KEYS)
    assert paired_database(bus.redis, KEYS) == database_id(engine)


def make_reset_database(engine: Engine, bus: NotificationClient) -> None:
    """A bus that served another database (now reset away), with its events and its tries' keys."""
    send(bus, 4)
    pair_database(bus.redis, KEYS, "the-reset-database")
    for key in OLD_TRY_KEYS:
        bus.redis.set(key, "old")
    bus.redis.xadd(TASK_KEYS.log(1, 1), {"line": "old"})


@pytest.mark.usefixtures("stores_env")
def test_stores_that_belong_together_are_left_alone(migrated_engine: Engine, bus: NotificationClient) -> None:
    send(bus, 3)
    set_checkpoint(migrated_engine, 2, bus_id=store_id(bus.redis, KEYS))
    pair_database(bus.redis, KEYS, database_id(migrated_engine))

    result = rebind()

    assert result.exit_code == 0, result.output
    assert "already; nothing changed" in result.stdout
    assert applied(migrated_engine) == 2


@pytest.mark.usefixtures("stores_env")
def test_new_stores_are_paired_without_asking_and_keep_their_checkpoint(
    migrated_engine: Engine, bus: NotificationClient
) -> None:
    send(bus, 3)
    set_checkpoint(migrated_engine, 1)

    result = rebind()

    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("the scheduler goes on after offset 1.")
    assert_paired(migrated_engine, bus)
    assert applied(migrated_engine) == 1


@pytest.mark.usefixtures("stores_env")
def test_declining_changes_nothing(migrated_engine: Engine, bus: NotificationClient) -> None:
    make_reset_database(migrated_engine, bus)

    result = rebind(input="n\n")

    assert result.exit_code == 1
    assert "Pair the metadata database with the event bus" in result.output
    assert "the claims and logs of the other database's tasks are deleted" in result.output
    assert paired_database(bus.redis, KEYS) == "the-reset-database"
    assert (paired_bus(migrated_engine), applied(migrated_engine)) == (None, 0)
    assert bus.redis.exists(*OLD_TRY_KEYS) == len(OLD_TRY_KEYS)


@pytest.mark.usefixtures("stores_env")
def test_a_reset_database_skips_the_old_log_and_loses_the_old_tries_keys(
    migrated_engine: Engine, bus: NotificationClient
) -> None:
    make_reset_database(migrated_engine, bus)
    bus.redis.set("aiflow:worker:host-1", "alive")

    result = rebind(input="y\n")

    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("after offset 4; deleted 5 keys of the other database's tasks.")
    assert_paired(migrated_engine, bus)
    assert applied(migrated_engine) == 4
    assert bus.redis.keys(f"{TASK_KEYS.every_try_prefix}*") == []
    assert bus.redis.exists("aiflow:worker:host-1", KEYS.log) == 2  # only the tries' keys go


@pytest.mark.usefixtures("stores_env")
def test_a_reset_bus_moves_the_checkpoint_back_and_keeps_this_databases_tries(
    migrated_engine: Engine, bus: NotificationClient
) -> None:
    set_checkpoint(migrated_engine, 40, token=7, bus_id="the-reset-bus")
    send(bus, 2)  # sent after the reset, by an API server of this database
    bus.redis.set(TASK_KEYS.heartbeat(9, 1), "running")

    result = rebind("-y")

    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("the scheduler goes on after offset 2.")
    assert_paired(migrated_engine, bus)
    assert applied(migrated_engine) == 2
    assert bus.redis.exists(TASK_KEYS.heartbeat(9, 1)) == 1
    assert int(bus.redis.get(FENCING_KEY) or 0) == 7  # the next lease's token passes the database's fence
    assert read_stores(migrated_engine, bus).database_bus == store_id(bus.redis, KEYS)


@pytest.mark.usefixtures("stores_env", "engine")
def test_a_database_without_schema_fails_with_one_line() -> None:
    result = rebind("-y")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: database error:")
    assert result.stderr.count("\n") == 1


def test_an_unreachable_bus_fails_with_one_line(
    migrated_engine: Engine, database_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIFLOW_METADATA_BACKEND_URI", database_url.render_as_string(hide_password=False))
    monkeypatch.setenv("AIFLOW_NOTIFICATION_SERVER_URI", f"redis://127.0.0.1:{free_port()}/0")

    result = rebind("-y")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: event bus error:")
    assert result.stderr.count("\n") == 1
    assert paired_bus(migrated_engine) is None


def test_the_identity_is_made_again_by_init_if_lost(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        session.delete(load_identity(session))

    migrate.init(migrated_engine)

    assert len(database_id(migrated_engine)) == 32
