"""The client tasks use: events stamped with the task's execution, listeners scoped to its namespace."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from ai_flow.notification.notification_client import AIFlowNotificationClient, Event, ListenerProcessor

from aiflow.errors import AIFlowError
from aiflow.notification.notification_client import TASK_RUNTIME_ENV, TaskRuntime
from notification.client import NotificationClient
from tests.integration.notification.collector import Collector
from tests.support import free_port


def runtime(notification_uri: str) -> TaskRuntime:
    return TaskRuntime(
        notification_uri=notification_uri,
        namespace="ml",
        workflow_name="training",
        workflow_execution_id=42,
        task_name="trainer",
        task_execution_id=7,
        try_number=2,
    )


@pytest.fixture
def in_task(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> TaskRuntime:
    """Describe a running task whose runtime names the private Redis, as a worker does."""
    task = runtime(redis_url)
    monkeypatch.setenv(TASK_RUNTIME_ENV, task.to_json())
    return task


@pytest.fixture
def task_client(in_task: TaskRuntime) -> Iterator[AIFlowNotificationClient]:
    """The client as upstream workflow files create it, with a server address that is not Redis."""
    client = AIFlowNotificationClient("localhost:50052")
    yield client
    client.close()


def test_sent_events_carry_the_tasks_namespace_sender_and_execution(
    task_client: AIFlowNotificationClient, client: NotificationClient
) -> None:
    sent = task_client.send_event(key="model_deployed", value="/models/3")

    [stored] = client.list_events("model_deployed")
    assert stored == sent
    assert (stored.value, stored.namespace, stored.sender) == ("/models/3", "ml", "trainer")
    assert json.loads(stored.context or "") == {"workflow_execution_id": 42}


def test_value_is_optional(task_client: AIFlowNotificationClient, client: NotificationClient) -> None:
    task_client.send_event(key="data_prepared")
    assert [event.value for event in client.list_events("data_prepared")] == [None]


def test_listener_receives_events_of_the_tasks_namespace_only(
    task_client: AIFlowNotificationClient, client: NotificationClient
) -> None:
    collector = Collector()
    assert isinstance(collector, ListenerProcessor)
    registration = task_client.register_listener(listener_processor=collector, event_keys=["model_deployed"])
    client.send_event(Event(key="model_deployed", value="elsewhere", namespace="other"))
    client.send_event(Event(key="other_key", value="ignored", namespace="ml"))
    client.send_event(Event(key="model_deployed", value="/models/4", namespace="ml"))

    [received] = collector.wait_for(1)
    assert (received.value, received.namespace) == ("/models/4", "ml")
    task_client.unregister_listener(registration)


def test_an_explicit_redis_url_is_used_instead_of_the_runtimes(
    redis_url: str, client: NotificationClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    unused = f"redis://127.0.0.1:{free_port()}/0"
    monkeypatch.setenv(TASK_RUNTIME_ENV, runtime(unused).to_json())
    task_client = AIFlowNotificationClient(redis_url)
    task_client.send_event(key="k", value="v")
    task_client.close()

    assert [event.sender for event in client.list_events("k")] == ["trainer"]


def test_outside_a_task_the_client_refuses_with_a_clear_error() -> None:
    with pytest.raises(AIFlowError, match="can only be used inside a task that AIFlow runs"):
        AIFlowNotificationClient("localhost:50052")


def test_a_malformed_runtime_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TASK_RUNTIME_ENV, json.dumps({"namespace": "ml"}))
    with pytest.raises(AIFlowError, match=f"{TASK_RUNTIME_ENV} does not describe a task"):
        AIFlowNotificationClient("localhost:50052")
