"""The event client a task uses: its try's credential, its namespace, its workflow execution.

``AIFlowNotificationClient`` works only inside a task that AIFlow runs. The worker describes the
try in ``AIFLOW_TASK_RUNTIME`` (:class:`~aiflow.notification.task_runtime.TaskRuntime`,
docs/contracts.md §6): the API server's address and the try's token, never a Redis URL. Every call
goes to the REST API with that token, which lets a try send events to its own namespace, stamped
by the server with the task's name and its workflow execution, and read that namespace's events:
nothing else, and only while the try runs (docs/credentials.md).

The constructor keeps upstream's ``server_uri`` argument and ignores it, whatever it names: an
explicit ``redis://`` URL is no way around the credential either, as the bus's password is not the
task's to hold.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from aiflow.errors import AIFlowError, NotFoundError
from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.notification.try_api import TryApi
from aiflow.notification.try_listener import TryListener
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


class AIFlowNotificationClient:
    """Sends and listens to events of the running task's namespace, through the API server.

    ``server_uri`` (``localhost:50052`` in upstream examples, or any URL) is accepted and ignored.

    Raises:
        AIFlowError: not inside a task that AIFlow runs, or the try was given no credential.
    """

    def __init__(self, server_uri: str) -> None:
        self._runtime = TaskRuntime.from_environment()
        if not self._runtime.try_token:
            raise AIFlowError(f"{TASK_RUNTIME_ENV} holds no credential: this try's start job did not come "
                              "from an AIFlow scheduler, so it cannot send or read events")
        logger.debug("Task %s: events go through the API server at %s, not %r",
                     self._runtime.task_name, self._runtime.api_address, server_uri)
        self._api = TryApi(self._runtime)
        self._listeners: dict[ListenerRegistrationId, TryListener] = {}

    def send_event(self, key: str, value: str | None = None) -> Event:
        """Send an event from this task to its namespace and workflow execution; return it as stored.

        The server sets the event's sender to the task's name and its context to the workflow
        execution, so rules of other executions ignore it.

        Raises:
            AIFlowException: the server refused the event (a reserved key, the try has ended) or was not reached.
        """
        return self._api.send_event(key, value)

    def register_listener(
        self,
        listener_processor: ListenerProcessor,
        event_keys: Iterable[str] | None = None,
        begin_time: datetime | None = None,
    ) -> ListenerRegistrationId:
        """Deliver events of this namespace with ``event_keys`` (all keys if None) to the processor.

        Delivery runs in a thread, in offset order, each event once, from ``begin_time`` if given,
        else from the next event sent; call :meth:`unregister_listener` or :meth:`close` to end it.
        """
        listener = TryListener(self._api, listener_processor, list(event_keys or ()), begin_time)
        registration_id = uuid.uuid4().hex
        self._listeners[registration_id] = listener
        listener.start()
        return registration_id

    def unregister_listener(self, registration_id: ListenerRegistrationId) -> None:
        """Stop the listener ``registration_id``: nothing more is delivered once this returns.

        Raises:
            NotFoundError: no listener has that id.
        """
        listener = self._listeners.pop(registration_id, None)
        if listener is None:
            raise NotFoundError(f"no listener registered with id {registration_id!r}")
        listener.stop()
        listener.join()

    def close(self) -> None:
        """Stop every listener."""
        listeners, self._listeners = list(self._listeners.values()), {}
        for listener in listeners:
            listener.stop()
        for listener in listeners:
            listener.join()
