"""Fixtures for the model tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from aiflow.model.context import Context
from aiflow.model.operator import AIFlowOperator


class NoopOperator(AIFlowOperator):
    """The smallest concrete operator: it does nothing when started."""

    def start(self, context: Context) -> None:
        pass


@pytest.fixture
def task() -> Callable[..., NoopOperator]:
    """Create a no-op task in the workflow whose ``with`` block is open."""

    def make(name: str, **kwargs: Any) -> NoopOperator:
        return NoopOperator(name, **kwargs)

    return make
