"""A real scheduler pairs new stores, and refuses a reset bus or a reset database until they are rebound."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import Engine

from aiflow.cli.db import db as db_cli
from aiflow.commands import CommandKind
from aiflow.config.server import ServerConfig
from aiflow.metadata import migrate, session_scope
from aiflow.metadata.identity import load_identity
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from notification.client import NotificationClient
from notification.event import Event
from notification.keys import EventKeys, TaskKeys
from notification.store_layout import paired_database, store_id
from tests.integration.scheduler.conftest import (
    RunningScheduler,
    applied_offset,
    create_execution,
    execution_row,
    send_command,
    task_rows,
    wait_for_tasks,
)
from tests.support import wait_until

LEASE_KEY = "aiflow:scheduler:lease"


@pytest.fixture
def stopped_scheduler(db: Engine, bus: NotificationClient, server_config: ServerConfig,
                      redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningScheduler]:
    """A scheduler not yet started; ``aiflow db`` commands run against the same stores."""
    monkeypatch.setenv("AIFLOW_METADATA_BACKEND_URI", str(db.url))
    monkeypatch.setenv("AIFLOW_NOTIFICATION_SERVER_URI", redis_url)
    running = RunningScheduler(db, bus, server_config)
    yield running
    running.close()


@pytest.fixture
def refusals(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="aiflow.scheduler.pairing")
    return caplog


def one_task_workflow(name: str) -> Workflow:
    with Workflow(name) as workflow:
        BashOperator("t", "sleep 9")  # no worker runs here: the task stays QUEUED
    return workflow


def database_identity(db: Engine) -> tuple[str, str | None]:
    with session_scope(db) as session:
        identity = load_identity(session)
        return identity.database_id, identity.bus_id


def refused(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR
            and record.getMessage().startswith("Scheduler: refusing to apply events")]


def wait_for_refusal(caplog: pytest.LogCaptureFixture, what: str) -> str:
    message = wait_until(lambda: refused(caplog), timeout=15, message="the scheduler to refuse")[0]
    assert what in message and "aiflow db rebind-bus" in message
    return message


def rebind() -> None:
    result = CliRunner().invoke(db_cli, ["rebind-bus", "-y"])
    assert result.exit_code == 0, result.output


def test_the_first_start_pairs_the_database_and_the_bus(
    db: Engine, bus: NotificationClient, stopped_scheduler: RunningScheduler
) -> None:
    assert database_identity(db)[1] is None

    stopped_scheduler.start()

    database_id, bus_id = wait_until(lambda: (ids := database_identity(db))[1] and ids, message="the pairing")
    assert bus_id == store_id(bus.redis, EventKeys())
    assert paired_database(bus.redis, EventKeys()) == database_id


def test_a_reset_bus_is_refused_until_rebound(
    db: Engine, bus: NotificationClient, stopped_scheduler: RunningScheduler, refusals: pytest.LogCaptureFixture
) -> None:
    for number in range(5):
        bus.send_event(Event(key="before-the-reset", value=str(number)))
    stopped_scheduler.start()
    wait_until(lambda: applied_offset(db) == 5, message="the old events to be applied")
    stopped_scheduler.stop()
    bus.redis.flushall()
    execution = create_execution(db, one_task_workflow("after-the-reset"))
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)  # offset 1 of the new bus

    stopped_scheduler.start()

    wait_for_refusal(refusals, "is not the one this database was paired with")
    assert execution_row(db, execution).status == "INIT"
    assert applied_offset(db) == 5
    assert bus.redis.exists(LEASE_KEY) == 1  # it keeps leading, and so keeps any standby out

    rebind()
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)  # offset 2: below the old checkpoint

    wait_for_tasks(db, execution, lambda rows: len(rows) == 1)
    assert applied_offset(db) == 2
    assert len(refused(refusals)) == 1  # one error for the whole refusal, however often it looked again


def test_a_reset_database_is_refused_until_rebound(
    db: Engine, bus: NotificationClient, stopped_scheduler: RunningScheduler, refusals: pytest.LogCaptureFixture
) -> None:
    old = create_execution(db, one_task_workflow("before-the-reset"))
    stopped_scheduler.start()
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, old)
    wait_for_tasks(db, old, lambda rows: len(rows) == 1)
    stopped_scheduler.stop()
    old_offset = bus.latest_offset()
    bus.redis.set(TaskKeys().claim(1, 1), "run old-worker:1")  # what the old task's worker would have left
    migrate.reset(db)
    execution = create_execution(db, one_task_workflow("after-the-reset"))
    assert execution == old  # a new database starts its ids again
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)

    stopped_scheduler.start()

    wait_for_refusal(refusals, "belongs to another metadata database")
    assert execution_row(db, execution).status == "INIT"  # the old start command was not replayed
    assert task_rows(db, execution) == []
    assert applied_offset(db) == 0

    rebind()
    assert bus.redis.exists(TaskKeys().claim(1, 1)) == 0
    send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution)

    rows = wait_for_tasks(db, execution, lambda rows: len(rows) == 1)
    assert rows[0].id == 1 and execution_row(db, execution).status == "RUNNING"
    assert applied_offset(db) == old_offset + 2
