"""A live API server (the real Flask app over HTTP) and a way to run ``aiflow`` commands against it.

The server runs :func:`web.create_app` with Werkzeug's server in a thread, on
a free port, a migrated SQLite database and the private Redis. The client
finds it through ``AIFLOW_SERVER_ADDRESS``, as a user's shell would.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from aiflow.cli.main import cli
from aiflow.commands import COMMAND_EVENT_KEY, Command
from aiflow.metadata import TaskExecution, WorkflowExecution, session_scope
from aiflow.model.execution_type import ExecutionType
from aiflow.model.status import TaskStatus, WorkflowStatus
from notification.client import NotificationClient
from tests.support import free_port, server_config_in
from web import create_app
from web.auth import hash_token

ADMIN_TOKEN = "cli-test-admin-token"

WORKFLOW_SOURCE = """\
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name={name!r}, namespace={namespace!r}) as workflow:
    BashOperator(name="hello", bash_command="echo hello")
"""


@pytest.fixture
def serve(
    tmp_path: Path, redis_url: str, db: Engine, bus: NotificationClient, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., str]]:
    """Start the API server with configuration ``overrides``; point the client at it; return its address."""
    servers = []

    def start(**overrides: Any) -> str:
        config = server_config_in(tmp_path, redis_url, **overrides)
        server = make_server("127.0.0.1", free_port(), create_app(config, engine=db, bus=bus))
        thread = threading.Thread(target=server.serve_forever, name="api-server")
        thread.start()
        servers.append((server, thread))
        address = f"http://127.0.0.1:{server.server_port}"
        monkeypatch.setenv("AIFLOW_SERVER_ADDRESS", address)
        return address

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture
def live_server(serve: Callable[..., str]) -> str:
    """An open API server (no token configured), the one the client talks to."""
    return serve()


@pytest.fixture
def secured_server(serve: Callable[..., str]) -> str:
    """An API server that accepts only the admin token :data:`ADMIN_TOKEN`."""
    return serve(api_tokens={"root": {"token_sha256": hash_token(ADMIN_TOKEN), "role": "admin"}})


@dataclass(frozen=True)
class Aiflow:
    """Runs ``aiflow`` commands in this process, as a user would in a shell."""

    runner: CliRunner

    def __call__(self, *args: str, input: str | None = None) -> Result:
        """Run ``aiflow <args>``; return the result whatever its exit code."""
        return self.runner.invoke(cli, list(args), input=input)

    def ok(self, *args: str, input: str | None = None) -> str:
        """Run a command that must succeed; return its standard output."""
        result = self(*args, input=input)
        assert result.exit_code == 0, f"aiflow {' '.join(args)} failed: {result.stderr or result.output}"
        return result.stdout

    def records(self, *args: str) -> list[dict[str, Any]]:
        """Run a listing command with ``-o json``; return its records."""
        records: list[dict[str, Any]] = json.loads(self.ok(*args, "-o", "json"))
        return records

    def fails(self, *args: str, input: str | None = None) -> str:
        """Run a command that must fail with exit code 1 and one line on stderr; return that line."""
        result = self(*args, input=input)
        assert result.exit_code == 1, f"aiflow {' '.join(args)} exited {result.exit_code}: {result.output}"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        return lines[0]


@pytest.fixture
def aiflow() -> Aiflow:
    """Run ``aiflow`` commands."""
    return Aiflow(CliRunner())


def write_workflow(folder: Path, name: str = "wf", namespace: str = "default") -> Path:
    """Write a workflow file declaring ``name`` with one bash task; return its path."""
    path = folder / f"{name}.py"
    path.write_text(WORKFLOW_SOURCE.format(name=name, namespace=namespace), encoding="utf-8")
    return path


@pytest.fixture
def uploaded(live_server: str, aiflow: Aiflow, tmp_path: Path) -> str:
    """The workflow ``wf`` uploaded to namespace ``default``; its name."""
    aiflow.ok("workflow", "upload", str(write_workflow(tmp_path)))
    return "wf"


def parse_table(text: str) -> list[dict[str, str]]:
    """Parse what ``-o table`` printed into one dict of cells per row, keyed by the header.

    The dashes under the header give each column's span, so cells may hold spaces.
    """
    header, dashes, *rows = text.rstrip("\n").splitlines()
    spans = [(match.start(), match.end()) for match in re.finditer(r"-+", dashes)]
    names = [header[start:end].strip() for start, end in spans]
    return [{name: row[start:end].strip() for name, (start, end) in zip(names, spans, strict=True)} for row in rows]


def set_execution_status(engine: Engine, execution_id: int, status: WorkflowStatus) -> None:
    """Change a workflow execution's status as the scheduler would."""
    with session_scope(engine) as session:
        execution = session.get(WorkflowExecution, execution_id)
        assert execution is not None
        execution.status = status.value


def add_task_execution(engine: Engine, workflow_execution_id: int, task_name: str, status: TaskStatus) -> int:
    """Record a task execution as the scheduler would; return its id."""
    with session_scope(engine) as session:
        row = TaskExecution(
            workflow_execution_id=workflow_execution_id, task_name=task_name, sequence_number=1, try_number=1,
            execution_type=ExecutionType.MANUAL.value, status=status.value,
        )
        session.add(row)
        session.flush()
        return row.id


def sent_commands(bus: NotificationClient) -> list[Command]:
    """The commands the server sent to the scheduler in namespace ``default``, oldest first."""
    return [Command.from_event(event) for event in bus.list_events(key=COMMAND_EVENT_KEY, namespace="default")]
