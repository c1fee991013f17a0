"""The base class of conditions: the logical test of a rule."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING

from aiflow.errors import InvalidInputError

if TYPE_CHECKING:
    from aiflow.model.context import Context
    from notification.event import Event


class Condition(ABC):
    """A test run when an event with one of ``expect_event_keys`` arrives.

    Subclass it and implement :meth:`is_met`. The scheduler calls ``is_met``
    only for events whose key is in ``expect_event_keys``; a condition that
    must remember earlier events keeps them in ``context.get_state(...)``.
    """

    def __init__(self, expect_event_keys: Iterable[str]) -> None:
        self.expect_event_keys: list[str] = _checked_keys(expect_event_keys)

    @abstractmethod
    def is_met(self, event: Event, context: Context) -> bool:
        """Return whether the condition holds after ``event``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(expect_event_keys={self.expect_event_keys!r})"


def _checked_keys(keys: Iterable[str]) -> list[str]:
    if isinstance(keys, str):
        raise InvalidInputError(
            f"expect_event_keys must be a list of keys, not the string {keys!r}"
        )
    checked = list(keys)
    if not checked:
        raise InvalidInputError("expect_event_keys must name at least one event key")
    for key in checked:
        if not isinstance(key, str) or not key:
            raise InvalidInputError(f"Event keys must be non-empty strings, got {key!r}")
    return checked
