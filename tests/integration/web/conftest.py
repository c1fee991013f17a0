"""An API server on a real migrated SQLite database and the private Redis, with its test client.

``app`` is open (no token, loopback), as for local development; ``secured_app``
has an admin, an editor scoped to ``team``, a viewer and a worker token.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.metadata import TaskExecution, WorkflowExecution, session_scope
from notification.client import NotificationClient
from tests.support import server_config_in
from web import create_app
from web.auth import hash_token

WORKFLOW_SOURCE = """\
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name={name!r}) as workflow:
    BashOperator(name="hello", bash_command="echo {marker}")
"""

TWO_WORKFLOWS = """\
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="first") as first:
    BashOperator(name="a", bash_command="echo a")

with Workflow(name="second") as second:
    BashOperator(name="b", bash_command="echo b")
"""

WORKFLOW = "/api/v1/namespaces/default/workflows/wf"
"""The URL of the workflow the ``uploaded`` fixture stores."""

TOKENS = {"admin": "admin-secret", "editor": "editor-secret", "viewer": "viewer-secret", "worker": "worker-secret"}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "schemathesis: property-based run against the served OpenAPI document")


def workflow_source(name: str = "wf", marker: str = "hello") -> str:
    """The source of a workflow file declaring one workflow with one bash task."""
    return WORKFLOW_SOURCE.format(name=name, marker=marker)


def make_package(files: dict[str, str | bytes]) -> bytes:
    """Return a zip holding ``files`` (name -> content), with fixed timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def set_status(engine: Engine, execution_id: int, status: str) -> None:
    """Change a workflow execution's status as the scheduler would."""
    with session_scope(engine) as session:
        session.get_one(WorkflowExecution, execution_id).status = status


def add_try(engine: Engine, execution_id: int, status: str = "RUNNING", try_number: int = 2,
            task_name: str = "hello") -> int:
    """Add a task execution to workflow execution ``execution_id`` as the scheduler would; return its id."""
    with session_scope(engine) as session:
        task = TaskExecution(workflow_execution_id=execution_id, task_name=task_name, sequence_number=3,
                             try_number=try_number, execution_type="MANUAL", status=status)
        session.add(task)
        session.flush()
        return task.id


def upload(
    client: FlaskClient, package: bytes, namespace: str = "default", headers: dict[str, str] | None = None, **form: str
) -> Any:
    """POST ``package`` as a workflow upload to ``namespace``."""
    data: dict[str, Any] = {"package": (io.BytesIO(package), "package.zip"), **form}
    url = f"/api/v1/namespaces/{namespace}/workflows"
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers)


@pytest.fixture
def engine(db: Engine) -> Engine:
    """The test's migrated SQLite database (the shared ``db``), by the name the app gives it."""
    return db


@pytest.fixture
def app_factory(
    tmp_path: Path, redis_url: str, engine: Engine, bus: NotificationClient
) -> Callable[..., Flask]:
    """Build an app on the test's database and bus with configuration ``overrides``."""

    def build(**overrides: Any) -> Flask:
        return create_app(server_config_in(tmp_path, redis_url, **overrides), engine=engine, bus=bus)

    return build


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    """An open server (no token configured, loopback bind)."""
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the open server."""
    return app.test_client()


@pytest.fixture
def secured_app(app_factory: Callable[..., Flask]) -> Flask:
    """A server with an admin, an editor of namespace ``team``, a viewer and a worker of every namespace."""
    tokens = {
        "root": {"token_sha256": hash_token(TOKENS["admin"]), "role": "admin"},
        "ci": {"token_sha256": hash_token(TOKENS["editor"]), "role": "editor", "namespaces": ["team"]},
        "dash": {"token_sha256": hash_token(TOKENS["viewer"]), "role": "viewer"},
        "fetch": {"token_sha256": hash_token(TOKENS["worker"]), "role": "worker"},
    }
    return app_factory(api_tokens=tokens, rest_bind_address="0.0.0.0")


def bearer(role: str) -> dict[str, str]:
    """The Authorization header of the test token of ``role``."""
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def uploaded(client: FlaskClient) -> dict[str, Any]:
    """The workflow ``wf`` uploaded to ``default``: the upload's response body."""
    response = upload(client, make_package({"wf.py": workflow_source()}))
    assert response.status_code == 201, response.json
    return dict(response.json)
