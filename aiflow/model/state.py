"""User-defined state that conditions keep between events.

A condition asks its :class:`~aiflow.model.context.Context` for a state by
descriptor. The scheduler decides where the values live and how long: it hands
the context a mutable mapping of state name to value, loaded from and saved to
its database together with the offset of the event being applied, so state
changes commit exactly once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import MutableMapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar


class StateType(str, Enum):
    """The kinds of state a condition can ask for."""

    VALUE = "value"


@dataclass(frozen=True)
class StateDescriptor:
    """Names a state; subclasses say which kind of state it is."""

    name: str
    state_type: ClassVar[StateType]


@dataclass(frozen=True)
class ValueStateDescriptor(StateDescriptor):
    """Names a state that holds a single value."""

    state_type: ClassVar[StateType] = StateType.VALUE


class State(ABC):
    """A piece of user-defined state."""

    @abstractmethod
    def clear(self) -> None:
        """Forget the stored value."""


class ValueState(State):
    """A state holding one value (``None`` until first updated)."""

    @abstractmethod
    def value(self) -> Any:
        """Return the stored value, or ``None`` if nothing is stored."""

    @abstractmethod
    def update(self, state: Any) -> None:
        """Replace the stored value; use plain data (JSON-compatible) so it can be persisted."""


class MappingValueState(ValueState):
    """A value state stored under its name in a mutable mapping.

    Reads and writes go straight to the mapping, so the owner of the mapping
    sees every change and can persist it.
    """

    def __init__(self, store: MutableMapping[str, Any], name: str) -> None:
        self._store = store
        self._name = name

    def value(self) -> Any:
        return self._store.get(self._name)

    def update(self, state: Any) -> None:
        self._store[self._name] = state

    def clear(self) -> None:
        self._store.pop(self._name, None)
