"""``aiflow workflow-execution`` against a live server (no scheduler: statuses are set as it would)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from aiflow.commands import Command, CommandKind
from aiflow.model.status import WorkflowStatus
from notification.client import NotificationClient
from tests.integration.cli.conftest import Aiflow, sent_commands, set_execution_status


def start(aiflow: Aiflow, workflow: str) -> int:
    """Start an execution through the CLI; return its id."""
    output = aiflow.ok("workflow-execution", "start", workflow)
    assert output.startswith("Started workflow execution ") and output.endswith(" of default/wf.\n")
    return int(output.split()[3])


def test_start_records_the_execution_and_tells_the_scheduler(
    uploaded: str, aiflow: Aiflow, bus: NotificationClient
) -> None:
    execution_id = start(aiflow, uploaded)
    [record] = aiflow.records("workflow-execution", "show", str(execution_id))
    assert (record["id"], record["workflow_name"], record["status"]) == (execution_id, "wf", "INIT")
    assert Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=execution_id) in sent_commands(bus)


def test_stop_and_stop_all_send_commands(uploaded: str, aiflow: Aiflow, bus: NotificationClient) -> None:
    execution_id = start(aiflow, uploaded)
    assert aiflow.ok("workflow-execution", "stop", str(execution_id)) == (
        f"Asked to stop workflow execution {execution_id}.\n"
    )
    aiflow.fails("workflow-execution", "stop-all", uploaded, input="n\n")
    aiflow.ok("workflow-execution", "stop-all", uploaded, "-y")
    kinds = [command.kind for command in sent_commands(bus)]
    assert kinds[-2:] == [CommandKind.STOP_WORKFLOW_EXECUTION, CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS]


def test_delete_only_a_finished_execution(uploaded: str, aiflow: Aiflow, db: Engine) -> None:
    execution_id = start(aiflow, uploaded)
    assert "finished" in aiflow.fails("workflow-execution", "delete", str(execution_id), "-y")
    set_execution_status(db, execution_id, WorkflowStatus.SUCCESS)
    assert "already finished" in aiflow.fails("workflow-execution", "stop", str(execution_id))
    assert aiflow.ok("workflow-execution", "delete", str(execution_id), "-y") == (
        f"Deleted workflow execution {execution_id}.\n"
    )
    assert aiflow.fails("workflow-execution", "show", str(execution_id)) == (
        f"Error: workflow execution {execution_id} does not exist"
    )


def test_bad_ids(live_server: str, aiflow: Aiflow) -> None:
    assert "does not exist" in aiflow.fails("workflow-execution", "stop", "404")
    assert "not a valid integer" in aiflow.fails("workflow-execution", "show", "abc")
    assert "nope" in aiflow.fails("workflow-execution", "list", "nope")
