"""The documented ai_flow and notification_service import paths are the real modules themselves."""

from __future__ import annotations

import importlib

import pytest

import aiflow.model.workflow
from aiflow.model.workflow import Workflow
from notification.client import NotificationClient
from notification.event import Event
from notification.listener import ListenerProcessor, ListenerRegistrationId

DOCUMENTED_MODEL = [
    "action",
    "condition",
    "context",
    "execution_type",
    "internal.conditions",
    "operator",
    "rule",
    "state",
    "status",
    "task_execution",
    "workflow",
    "workflow_execution",
]
DOCUMENTED_OTHERS = [
    "common.env",
    "notification.notification_client",
    "operators.bash",
    "operators.python",
    "operators.flink.flink_operator",
    "operators.spark.spark_submit",
    "operators.spark.spark_sql",
    "settings",
    "version",
]


@pytest.mark.parametrize("path", [f"model.{path}" for path in DOCUMENTED_MODEL] + DOCUMENTED_OTHERS)
def test_documented_ai_flow_paths_alias_the_same_module(path):
    assert importlib.import_module(f"ai_flow.{path}") is importlib.import_module(f"aiflow.{path}")


def test_isinstance_holds_across_names():
    from ai_flow.model.workflow import Workflow as AliasedWorkflow

    assert AliasedWorkflow is Workflow
    assert isinstance(AliasedWorkflow("w"), aiflow.model.workflow.Workflow)


def test_the_task_notification_client_module_exposes_the_bus_types():
    from ai_flow.notification.notification_client import Event as TaskEvent
    from ai_flow.notification.notification_client import ListenerProcessor as TaskListenerProcessor

    assert (TaskEvent, TaskListenerProcessor) == (Event, ListenerProcessor)


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("notification_service.model.event", "notification.event"),
        ("notification_service.client.notification_client", "notification.client"),
    ],
)
def test_notification_service_paths_alias_the_notification_modules(path, target):
    assert importlib.import_module(path) is importlib.import_module(target)


def test_notification_service_names_are_the_same_objects():
    from notification_service.client.notification_client import (
        ListenerProcessor as AliasedProcessor,
    )
    from notification_service.client.notification_client import (
        ListenerRegistrationId as AliasedRegistrationId,
    )
    from notification_service.client.notification_client import (
        NotificationClient as AliasedClient,
    )
    from notification_service.model.event import Event as AliasedEvent

    assert isinstance(AliasedEvent(key="k"), Event) and isinstance(Event(key="k"), AliasedEvent)
    assert (AliasedProcessor, AliasedRegistrationId, AliasedClient) == (
        ListenerProcessor,
        ListenerRegistrationId,
        NotificationClient,
    )


@pytest.mark.parametrize(
    "name", ["ai_flow.no_such_module", "notification_service.no_such_module", "notification_service.model.client"]
)
def test_unknown_paths_are_not_found(name):
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)
