"""Workflow and task executions: rows created INIT, every other change sent as a command event."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.commands import COMMAND_EVENT_KEY, Command, CommandKind
from aiflow.metadata import TaskExecution, session_scope
from notification.client import NotificationClient
from notification.keys import TaskKeys
from tests.integration.web.conftest import WORKFLOW, set_status


def commands(bus: NotificationClient) -> list[Command]:
    return [Command.from_event(event) for event in bus.list_events(COMMAND_EVENT_KEY, namespace="default")]


@pytest.fixture
def execution_id(uploaded: dict[str, Any], client: FlaskClient) -> int:
    response = client.post(f"{WORKFLOW}/executions")
    assert response.status_code == 201
    return int(response.json["id"])


@pytest.fixture
def task_execution_id(execution_id: int, engine: Engine) -> int:
    """A task execution on its second try, as the scheduler would have written it."""
    with session_scope(engine) as session:
        task = TaskExecution(
            workflow_execution_id=execution_id, task_name="hello", sequence_number=1, try_number=2,
            execution_type="MANUAL", status="RUNNING",
        )
        session.add(task)
        session.flush()
        return task.id


def test_start_creates_an_init_row_then_sends_the_command(
    execution_id: int, uploaded: dict[str, Any], client: FlaskClient, bus: NotificationClient
) -> None:
    execution = client.get(f"/api/v1/workflow-executions/{execution_id}").json

    assert execution["status"] == "INIT"
    assert execution["snapshot_id"] == uploaded["snapshot_id"]
    assert (execution["namespace"], execution["workflow_name"]) == ("default", "wf")
    assert commands(bus)[-1] == Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=execution_id)
    assert client.get(f"{WORKFLOW}/executions").json == {"items": [execution], "total": 1}


def test_stop_and_stop_all_only_send_commands(
    execution_id: int, uploaded: dict[str, Any], client: FlaskClient, bus: NotificationClient
) -> None:
    stopped = client.post(f"/api/v1/workflow-executions/{execution_id}/stop")
    stopped_all = client.post(f"{WORKFLOW}/executions/stop")

    assert (stopped.status_code, stopped_all.status_code) == (202, 202)
    assert stopped.json["command"] == "stop_workflow_execution"
    assert commands(bus)[-2:] == [
        Command(CommandKind.STOP_WORKFLOW_EXECUTION, workflow_execution_id=execution_id),
        Command(CommandKind.STOP_ALL_WORKFLOW_EXECUTIONS, workflow_id=uploaded["id"]),
    ]
    assert client.get(f"/api/v1/workflow-executions/{execution_id}").json["status"] == "INIT"


def test_only_finished_executions_are_deleted(execution_id: int, client: FlaskClient, engine: Engine) -> None:
    url = f"/api/v1/workflow-executions/{execution_id}"
    assert client.delete(url).status_code == 409

    set_status(engine, execution_id, "SUCCESS")

    assert client.post(f"{url}/stop").status_code == 409
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_task_executions_are_listed_shown_started_and_stopped(
    execution_id: int, task_execution_id: int, client: FlaskClient, bus: NotificationClient
) -> None:
    shown = client.get(f"/api/v1/task-executions/{task_execution_id}").json
    listed = client.get(f"/api/v1/workflow-executions/{execution_id}/task-executions").json
    started = client.post(f"/api/v1/workflow-executions/{execution_id}/tasks/hello/start")
    stopped = client.post(f"/api/v1/workflow-executions/{execution_id}/tasks/hello/stop")
    restarted = client.post(f"/api/v1/workflow-executions/{execution_id}/tasks/hello/restart")

    assert (shown["task_name"], shown["try_number"], shown["status"]) == ("hello", 2, "RUNNING")
    assert listed == {"items": [shown], "total": 1}
    assert (started.status_code, stopped.status_code, restarted.status_code) == (202, 202, 202)
    assert commands(bus)[-3:] == [
        Command(CommandKind.START_TASK_EXECUTION, workflow_execution_id=execution_id, task_name="hello"),
        Command(CommandKind.STOP_TASK_EXECUTION, workflow_execution_id=execution_id, task_name="hello"),
        Command(CommandKind.RESTART_TASK_EXECUTION, workflow_execution_id=execution_id, task_name="hello"),
    ]


def test_a_task_the_workflow_lacks_is_404_and_sends_no_command(
    execution_id: int, client: FlaskClient, bus: NotificationClient
) -> None:
    before = commands(bus)

    for action in ("start", "stop"):
        response = client.post(f"/api/v1/workflow-executions/{execution_id}/tasks/nope/{action}")
        assert response.status_code == 404
        assert "has no task 'nope'; its tasks are hello" in response.json["detail"]
    assert commands(bus) == before


def test_logs_are_read_page_by_page_until_done(
    task_execution_id: int, client: FlaskClient, bus: NotificationClient
) -> None:
    keys, url = TaskKeys(), f"/api/v1/task-executions/{task_execution_id}/logs"
    for line in ("one", "two", "three"):
        bus.redis.xadd(keys.log(task_execution_id, 2), {"line": line})
    bus.redis.xadd(keys.log(task_execution_id, 1), {"line": "first try"})

    first = client.get(f"{url}?limit=2").json
    second = client.get(f"{url}?after={first['next']}").json
    bus.redis.set(keys.log_done(task_execution_id, 2), 1)
    last = client.get(f"{url}?after={second['next']}").json

    assert (first["lines"], first["finished"], first["try_number"]) == (["one", "two"], False, 2)
    assert (second["lines"], second["finished"]) == (["three"], False)
    assert (last["lines"], last["finished"], last["next"]) == ([], True, second["next"])
    assert client.get(f"{url}?try_number=1").json["lines"] == ["first try"]
    assert client.get(f"{url}?after=bogus").status_code == 400


def test_unknown_ids_are_404(client: FlaskClient) -> None:
    for url in ("/workflow-executions/99", "/workflow-executions/99/task-executions", "/task-executions/99",
                "/task-executions/99/logs"):
        response = client.get(f"/api/v1{url}")
        assert (response.status_code, response.json["error"]) == (404, "not_found"), url
    assert client.post("/api/v1/workflow-executions/99/stop").status_code == 404
    assert client.post("/api/v1/workflow-executions/99/tasks/t/start").status_code == 404
    assert client.post("/api/v1/namespaces/default/workflows/nope/executions").status_code == 404
