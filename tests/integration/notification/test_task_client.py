"""The client tasks use, against a real API server: its try's token, its namespace, its workflow execution.

The API server runs in a thread on a real port with its SQLite database and the private Redis;
the client runs in the test process with ``AIFLOW_TASK_RUNTIME`` set as a worker sets it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pytest
from ai_flow.notification.notification_client import AIFlowNotificationClient, Event, ListenerProcessor
from sqlalchemy.engine import Engine

from aiflow.errors import AIFlowError
from aiflow.metadata import TaskExecution, session_scope
from aiflow.metadata.try_key import try_token_key
from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.ops.errors import AIFlowException
from aiflow.try_token import mint
from notification.client import NotificationClient
from tests.integration.notification.collector import Collector
from tests.integration.web.conftest import add_try, make_package, upload, workflow_source
from tests.support import free_port, server_config_in, serving, wait_until
from web import create_app


@dataclass(frozen=True)
class Api:
    """The served API and a live try of workflow ``wf``'s task ``hello`` in ``default``."""

    address: str
    engine: Engine
    runtime: TaskRuntime

    def end_try(self) -> None:
        with session_scope(self.engine) as session:
            session.get_one(TaskExecution, self.runtime.task_execution_id).status = "SUCCESS"


@pytest.fixture
def api(tmp_path: Path, redis_url: str, db: Engine, bus: NotificationClient) -> Iterator[Api]:
    app = create_app(server_config_in(tmp_path, redis_url), engine=db, bus=bus)
    client = app.test_client()
    assert upload(client, make_package({"wf.py": workflow_source()})).status_code == 201
    execution_id = client.post("/api/v1/namespaces/default/workflows/wf/executions").json["id"]
    task_execution_id = add_try(db, execution_id)
    token = mint(try_token_key(db), task_execution_id, 2)
    with serving(app, free_port(), bus) as address:
        yield Api(address, db, TaskRuntime(address, token, "default", "wf", execution_id, "hello",
                                           task_execution_id, 2))


@pytest.fixture
def task_client(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[AIFlowNotificationClient]:
    """The client as upstream workflow files create it, in a try whose runtime the worker set."""
    monkeypatch.setenv(TASK_RUNTIME_ENV, api.runtime.to_json())
    client = AIFlowNotificationClient("localhost:50052")
    yield client
    client.close()


def test_sent_events_carry_the_tasks_namespace_sender_and_execution(
    task_client: AIFlowNotificationClient, api: Api, bus: NotificationClient
) -> None:
    sent = task_client.send_event(key="model_deployed", value="/models/3")

    [stored] = bus.list_events("model_deployed")
    assert stored == sent
    assert (stored.value, stored.namespace, stored.sender) == ("/models/3", "default", "hello")
    assert json.loads(stored.context or "") == {"workflow_execution_id": api.runtime.workflow_execution_id}


def test_value_is_optional(task_client: AIFlowNotificationClient, bus: NotificationClient) -> None:
    task_client.send_event(key="data_prepared")
    assert [event.value for event in bus.list_events("data_prepared")] == [None]


def test_a_listener_gets_each_new_event_of_its_keys_and_namespace_once_in_order(
    task_client: AIFlowNotificationClient, bus: NotificationClient
) -> None:
    before = bus.send_event(Event(key="model_deployed", value="before the listener"))
    wait_until(lambda: time.time() * 1000 > (before.create_time or 0) + 1, interval=0.001)
    collector = Collector()
    assert isinstance(collector, ListenerProcessor)
    registration = task_client.register_listener(listener_processor=collector, event_keys=["model_deployed"])
    wait_until(lambda: blocked_reads(bus), message="the listener's first poll to wait on the bus")
    bus.send_event(Event(key="model_deployed", value="elsewhere", namespace="other"))
    bus.send_event(Event(key="other_key", value="ignored"))
    for version in range(5):
        bus.send_event(Event(key="model_deployed", value=f"/models/{version}"))

    received = collector.wait_for(5)
    task_client.unregister_listener(registration)
    assert [event.value for event in received] == [f"/models/{version}" for version in range(5)]
    assert {event.namespace for event in received} == {"default"}


def test_a_listener_from_a_time_gets_every_event_since_across_pages(
    task_client: AIFlowNotificationClient, bus: NotificationClient
) -> None:
    sent = [bus.send_event(Event(key=f"k{i % 3}", value=str(i))) for i in range(1200)]  # more than a page

    collector = Collector()
    task_client.register_listener(collector, ["k0", "k1"], begin_time=datetime(2000, 1, 1))
    last = bus.send_event(Event(key="k1", value="last"))
    wait_until(lambda: last.offset in [event.offset for event in collector.events], message="the last event")

    expected = [event.offset for event in [*sent, last] if event.key in ("k0", "k1")]
    assert [event.offset for event in collector.events] == expected


def test_unregistering_ends_a_waiting_poll_at_once_and_nothing_comes_after(
    task_client: AIFlowNotificationClient, bus: NotificationClient
) -> None:
    collector = Collector()
    registration = task_client.register_listener(collector)
    wait_until(lambda: blocked_reads(bus), message="the listener's poll to wait on the bus")

    started = time.monotonic()
    task_client.unregister_listener(registration)
    elapsed = time.monotonic() - started
    bus.send_event(Event(key="too_late"))

    assert elapsed < 1
    assert not any(thread.name == "try-event-listener" for thread in threading.enumerate())
    assert collector.events == []


def test_an_explicit_redis_url_is_no_way_around_the_credential(
    api: Api, redis_url: str, bus: NotificationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TASK_RUNTIME_ENV, api.runtime.to_json())
    api.end_try()
    task_client = AIFlowNotificationClient(redis_url)

    with pytest.raises(AIFlowException, match="is not running") as refused:
        task_client.send_event(key="k", value="v")

    assert refused.value.status_code == 403
    assert bus.list_events("k") == []


def test_outside_a_task_the_client_refuses_with_a_clear_error() -> None:
    with pytest.raises(AIFlowError, match="can only be used inside a task that AIFlow runs"):
        AIFlowNotificationClient("localhost:50052")


def test_a_runtime_without_a_credential_is_refused(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TASK_RUNTIME_ENV, replace(api.runtime, try_token="").to_json())
    with pytest.raises(AIFlowError, match="holds no credential"):
        AIFlowNotificationClient("localhost:50052")


@pytest.mark.parametrize("value", [json.dumps({"namespace": "ml", "try_token": "aiflow-try.1.1.SECRET"}),
                                   '{"try_token": "aiflow-try.1.1.SECRET"'])
def test_a_malformed_runtime_is_reported_without_its_token(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TASK_RUNTIME_ENV, value)
    with pytest.raises(AIFlowError, match=f"{TASK_RUNTIME_ENV} does not describe a task") as error:
        AIFlowNotificationClient("localhost:50052")
    assert "SECRET" not in str(error.value)


def test_the_runtime_never_shows_its_token(api: Api) -> None:
    assert api.runtime.try_token not in repr(api.runtime)
    assert set(json.loads(api.runtime.to_json())) == {
        "api_address", "try_token", "namespace", "workflow_name", "workflow_execution_id", "task_name",
        "task_execution_id", "try_number", "run_folder",
    }


def blocked_reads(bus: NotificationClient) -> int:
    """How many clients of the bus wait in a blocking XREAD (a listing waiting for events)."""
    return sum(1 for entry in bus.redis.client_list() if entry.get("cmd") == "xread" and "b" in entry.get("flags", ""))
