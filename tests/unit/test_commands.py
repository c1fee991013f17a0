"""Command events round-trip and reject malformed values."""

from __future__ import annotations

import pytest

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.errors import InvalidInputError
from notification.event import Event


@pytest.mark.parametrize(
    "command",
    [
        Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=7),
        Command(CommandKind.STOP_TASK_EXECUTION, workflow_execution_id=7, task_name="train"),
        Command(CommandKind.WORKFLOW_CHANGED, workflow_id=3),
    ],
)
def test_a_command_survives_its_event(command: Command) -> None:
    event = command.to_event("ns")

    assert event.key == COMMAND_EVENT_KEY and event.namespace == "ns"
    assert Command.from_event(event) == command


@pytest.mark.parametrize("value", [None, "", "[]", '{"kind": "explode"}', '{"workflow_id": 1}'])
def test_malformed_commands_are_rejected(value: str | None) -> None:
    with pytest.raises(InvalidInputError, match="malformed command event at offset 9"):
        Command.from_event(Event(key=COMMAND_EVENT_KEY, value=value, offset=9))
