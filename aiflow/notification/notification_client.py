"""The event client a task uses: events it sends are stamped with its workflow execution.

``AIFlowNotificationClient`` works only inside a task that AIFlow runs: the
worker describes the task in the ``AIFLOW_TASK_RUNTIME`` environment variable
(docs/contracts.md, section 6), and the client takes the event bus address,
namespace and workflow execution from there.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from aiflow.errors import AIFlowError
from notification.client import NotificationClient
from notification.event import Event
from notification.listener import ListenerProcessor, ListenerRegistrationId

__all__ = [
    "TASK_RUNTIME_ENV",
    "AIFlowNotificationClient",
    "Event",
    "ListenerProcessor",
    "ListenerRegistrationId",
    "TaskRuntime",
]

logger = logging.getLogger(__name__)

TASK_RUNTIME_ENV = "AIFLOW_TASK_RUNTIME"
"""The environment variable in which the worker describes the running task."""

_EXPLICIT_SCHEMES = ("redis://", "rediss://")


@dataclass(frozen=True)
class TaskRuntime:
    """The running task, as the worker describes it in :data:`TASK_RUNTIME_ENV`."""

    notification_uri: str
    namespace: str
    workflow_name: str
    workflow_execution_id: int
    task_name: str
    task_execution_id: int
    try_number: int

    def to_json(self) -> str:
        """Return the value of :data:`TASK_RUNTIME_ENV` that describes this task."""
        return json.dumps(asdict(self))

    @classmethod
    def from_environment(cls) -> TaskRuntime:
        """Read the running task from the environment.

        Raises:
            AIFlowError: this process is not a task that AIFlow runs.
        """
        value = os.environ.get(TASK_RUNTIME_ENV)
        if value is None:
            raise AIFlowError(
                "AIFlowNotificationClient can only be used inside a task that AIFlow runs "
                f"(the worker sets {TASK_RUNTIME_ENV}; it is not set in this process)"
            )
        try:
            return cls(**json.loads(value))
        except (ValueError, TypeError) as err:
            raise AIFlowError(f"{TASK_RUNTIME_ENV} does not describe a task: {err}") from None


class AIFlowNotificationClient:
    """Sends and listens to events of the running task's namespace.

    ``server_uri`` is used when it is an explicit ``redis://`` or ``rediss://``
    URL; any other value (such as the ``localhost:50052`` of upstream examples)
    means the event bus the worker named in the task's runtime.

    Raises:
        AIFlowError: not inside a task that AIFlow runs.
    """

    def __init__(self, server_uri: str) -> None:
        self._runtime = TaskRuntime.from_environment()
        uri = server_uri if server_uri.startswith(_EXPLICIT_SCHEMES) else self._runtime.notification_uri
        if uri != server_uri:
            logger.debug("Task %s: using the event bus of its runtime, not %r", self._runtime.task_name, server_uri)
        self._client = NotificationClient(uri)

    def send_event(self, key: str, value: str | None = None) -> Event:
        """Send an event from this task to its namespace and workflow execution; return it as stored.

        The event's sender is the task's name and its context names the
        workflow execution, so rules of other executions ignore it.
        """
        context = json.dumps({"workflow_execution_id": self._runtime.workflow_execution_id})
        runtime = self._runtime
        event = Event(key, value, namespace=runtime.namespace, sender=runtime.task_name, context=context)
        return self._client.send_event(event)

    def register_listener(
        self,
        listener_processor: ListenerProcessor,
        event_keys: Iterable[str] | None = None,
        begin_time: datetime | None = None,
    ) -> ListenerRegistrationId:
        """Deliver events of this namespace with ``event_keys`` (all keys if None) to the processor.

        Delivery runs in a thread, from ``begin_time`` if given, else from the
        next event sent; call :meth:`unregister_listener` or :meth:`close` to end it.
        """
        return self._client.register_listener(
            listener_processor, event_keys, begin_time=begin_time, namespace=self._runtime.namespace
        )

    def unregister_listener(self, registration_id: ListenerRegistrationId) -> None:
        """Stop the listener ``registration_id`` and wait for its thread to end."""
        self._client.unregister_listener(registration_id)

    def close(self) -> None:
        """Stop every listener and close the connection."""
        self._client.close()
