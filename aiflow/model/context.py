"""The context a condition or an operator runs in."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, MutableMapping
from typing import Any

from aiflow.errors import InvalidInputError
from aiflow.model.state import MappingValueState, State, StateDescriptor, ValueStateDescriptor
from aiflow.model.status import TaskStatus


class Context(ABC):
    """What custom logic may read: user state and the latest status of each task."""

    dedicated_process: bool = False
    """Whether the operator runs in a process of its own that leads its process group.

    Such an operator may do its work in that process, and stop it by ending the group.
    """

    @abstractmethod
    def get_state(self, state_descriptor: StateDescriptor) -> State:
        """Return the state named by ``state_descriptor``, creating it empty if needed."""

    @abstractmethod
    def get_task_status(self, task_name: str) -> TaskStatus | None:
        """Return the status of the task's latest execution, or ``None`` if it never ran."""


class MappingContext(Context):
    """A context over plain mappings, for the scheduler's rule engine and for tests.

    Args:
        task_statuses: the latest status of each task of the workflow execution.
        states: state name to value; :meth:`get_state` reads and writes it in
            place, so the caller can persist whatever changed.
    """

    def __init__(
        self,
        task_statuses: Mapping[str, TaskStatus] | None = None,
        states: MutableMapping[str, Any] | None = None,
    ) -> None:
        self.task_statuses: Mapping[str, TaskStatus] = dict(task_statuses or {})
        self.states: MutableMapping[str, Any] = {} if states is None else states

    def get_state(self, state_descriptor: StateDescriptor) -> State:
        if isinstance(state_descriptor, ValueStateDescriptor):
            return MappingValueState(self.states, state_descriptor.name)
        raise InvalidInputError(f"Unsupported state descriptor: {state_descriptor!r}")

    def get_task_status(self, task_name: str) -> TaskStatus | None:
        return self.task_statuses.get(task_name)
