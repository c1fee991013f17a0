"""The Java clients (clients/java), built with javac alone, against a running stack.

``build.sh --tests`` compiles the clients, their JSON test (``JsonTest``), the test program driving the rest
of the API (``ClientCheck``) and the examples (``Quickstart``). The stack is the one of
``tests/integration/stack`` (API server and scheduler in threads, a real Celery worker, Redis, SQLite) with
an editor token of ``default`` and an admin token stored in its database, so every call of the Java
programs carries a bearer token; the tests compare each line they print. Where no ``javac`` is found the
tests are skipped, saying so.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import Engine

from aiflow import ops
from aiflow.config.server import ServerConfig
from aiflow.metadata import session_scope
from aiflow.metadata.queries.tokens import add_token
from notification.client import NotificationClient
from tests.integration.samples.conftest import sample_file
from tests.integration.stack.conftest import api_server, scheduler, stack, stack_config  # noqa: F401 (fixtures)
from tests.integration.workers.conftest import WorkerProcess
from tests.support import task_statuses
from web.auth import hash_token

JAVA_CLIENTS = Path(__file__).resolve().parents[3] / "clients" / "java"


@dataclass(frozen=True)
class JavaBuild:
    """Where ``build.sh --tests`` put the classes: the clients', and the tests' and examples'."""

    classes: Path
    test_classes: Path

    def run(self, main_class: str, *args: str, stdin: str | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess[str]:
        """Run ``main_class`` of the build with ``args``; return what it printed (UTF-8) and its status."""
        classpath = f"{self.classes}:{self.test_classes}"
        return subprocess.run(["java", "-Dfile.encoding=UTF-8", "-cp", classpath, main_class, *args], input=stdin,
                              capture_output=True, text=True, encoding="utf-8", timeout=timeout, check=False)


@pytest.fixture(scope="module")
def java_build(tmp_path_factory: pytest.TempPathFactory) -> JavaBuild:
    """The clients, their JSON test and the examples, compiled by ``clients/java/build.sh --tests``."""
    for tool in ("javac", "java"):
        if shutil.which(tool) is None:
            pytest.skip(f"no {tool} on PATH: install a JDK 11 or newer (.ci/run installs default-jdk-headless as root)")
    out = tmp_path_factory.mktemp("java")
    subprocess.run(["bash", str(JAVA_CLIENTS / "build.sh"), "--tests", str(out)], check=True, timeout=120)
    return JavaBuild(out / "classes", out / "test-classes")


@dataclass(frozen=True)
class Tokens:
    editor: str
    """Of ``default``."""
    admin: str


@pytest.fixture
def tokens(db: Engine, monkeypatch: pytest.MonkeyPatch) -> Tokens:
    """An editor token of ``default`` and an admin token, stored (which closes the open server).

    The worker gets a token of its own; the Python SDK of the test uses the admin token.
    """
    made, worker = Tokens(secrets.token_urlsafe(16), secrets.token_urlsafe(16)), secrets.token_urlsafe(16)
    with session_scope(db) as session:
        for name, secret, role, namespaces in (("java", made.editor, "editor", ["default"]),
                                               ("root", made.admin, "admin", None),
                                               ("worker", worker, "worker", None)):
            add_token(session, name, hash_token(secret), role, namespaces, created_by="test")
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", worker)
    monkeypatch.setenv("AIFLOW_TOKEN", made.admin)
    return made


@pytest.fixture
def java_stack(tokens: Tokens, stack: WorkerProcess, stack_config: ServerConfig) -> Iterator[str]:  # noqa: F811
    """The running stack's address, its tokens stored before the worker started."""
    yield stack_config.api_server_address


def test_the_json_class_passes_its_checks(java_build: JavaBuild) -> None:
    result = java_build.run("org.aiflow.client.JsonTest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.fullmatch(r"json checks: \d+, failed: 0", result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_the_json_class_reads_and_writes_what_python_does(java_build: JavaBuild, ensure_ascii: bool) -> None:
    value = {"text": 'q"b\\s/n\nt\t\x01\x7f é ü 中 😀', "numbers": [0, -7, 2**63 - 1, 2**64, 1.5, -2.5e-7, 1e300],
             "nested": {"list": [[], {}, [None, True, False]], "": "empty key"}}
    result = java_build.run("org.aiflow.client.JsonTest", "echo", stdin=json.dumps(value, ensure_ascii=ensure_ascii))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == value


def test_the_json_class_refuses_bad_input_in_one_line(java_build: JavaBuild) -> None:
    result = java_build.run("org.aiflow.client.JsonTest", "echo", stdin='{"a": [1, 2,]}')
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.strip() == "invalid JSON at character 12: unexpected character ']'"


def test_the_java_quickstart_runs_the_workflow_and_uses_events(
    java_build: JavaBuild, java_stack: str, tokens: Tokens, bus: NotificationClient
) -> None:
    result = java_build.run("Quickstart", java_stack, tokens.editor, sample_file("quickstart", "quickstart.py"),
                            timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()

    workflow = ops.get_workflow("quickstart_workflow")
    assert workflow is not None
    execution_id = int(lines[4].removeprefix("started execution "))
    (greeting,) = bus.list_events(key="quickstart_greeting", namespace="default")
    (sent,) = bus.list_events(key="java_greeting", namespace="default")
    assert (sent.value, sent.sender) == ("hello from java", None)
    task_event = f"quickstart_greeting hello from task3 from task3 offset {greeting.offset}"
    assert lines == [
        "wrong token: 401 unauthorized",
        "get no_such_workflow: false",
        "start no_such_workflow: 404 not_found: workflow 'no_such_workflow' does not exist in namespace 'default'",
        f"uploaded default/quickstart_workflow snapshot {workflow.snapshot_id}",
        f"started execution {execution_id}",
        *(f"task task{i} SUCCESS" for i in range(1, 5)),
        f"execution {execution_id} SUCCESS",
        f"sent java_greeting offset {sent.offset}",
        f"received {task_event}",
        f"received java_greeting hello from java from null offset {sent.offset}",
        f"listed {task_event}",
        "counted java_greeting 1",
        "counted quickstart_greeting from task3 1, from task9 0",
        "send aiflow.reserved: 400 invalid_input",
    ]
    assert task_statuses(execution_id) == dict.fromkeys(["task1", "task2", "task3", "task4"], "SUCCESS")


def test_the_java_client_covers_the_rest_of_the_api(
    java_build: JavaBuild, java_stack: str, tokens: Tokens, tmp_path: Path
) -> None:
    artifacts = tmp_path / "data"
    (artifacts / "__pycache__").mkdir(parents=True)
    (artifacts / "notes.txt").write_text("read by nobody\n")
    (artifacts / "__pycache__" / "left_out.pyc").write_bytes(b"\0")
    result = java_build.run("org.aiflow.client.ClientCheck", java_stack, tokens.admin,
                            sample_file("quickstart", "quickstart.py"), str(artifacts), timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr

    workflow = ops.get_workflow("quickstart_workflow")
    assert workflow is not None and workflow.snapshot_id is not None
    package = requests.get(f"{java_stack}/api/v1/snapshots/{workflow.snapshot_id}/package", timeout=10,
                           headers={"Authorization": f"Bearer {tokens.admin}"})
    assert zipfile.ZipFile(io.BytesIO(package.content)).namelist() == ["data/notes.txt", "quickstart.py"]
    assert result.stdout.splitlines() == [
        "added namespace: java_ns {team=java}",
        "updated namespace: Optional[{team=jvm}]",
        "update unknown namespace: Optional.empty",
        "namespaces: [default, java_ns]",
        "first namespace: 1",
        "add namespace 'bad name': 400 invalid_input",
        "deleted namespace: Optional.empty",
        f"uploaded twice, same snapshot: true {workflow.snapshot_id}",
        "snapshots: 1 quickstart.py [task1, task2, task3, task4]",
        "workflows: [quickstart_workflow] 0",
        "upload a missing file: 0 null",
        "disabled: Optional[false]",
        "start a disabled workflow: 409 conflict",
        "enabled: Optional[true]",
        "paused schedule: Optional[true] cron@0 0 1 1 *",
        "resumed schedule: false",
        "add schedule 'cron@0 0 31 2 *': 400 invalid_input",
        "deleted schedules: 1",
        "trigger condition: event [never_sent]",
        "paused trigger: Optional[true]",
        "add trigger of kind 'magic': 400 invalid_input",
        "triggers left: 0 0",
        "execution: SUCCESS quickstart_workflow MANUAL true",
        "task1: Optional[SUCCESS] 1 1",
        "task1 log: true true 1",
        "stop a finished execution: 409 conflict",
        "restart task1 of a finished execution: 409 conflict",
        "task execution 999999: Optional.empty",
        "executions: 1 true",
        "deleted execution: Optional.empty",
        "received: one java",
        "received: two null",
        "unregister it again: IllegalArgumentException",
    ]
