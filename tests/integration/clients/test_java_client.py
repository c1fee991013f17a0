"""The Java clients (clients/java), built with javac alone, against a running stack.

The stack is the one of ``tests/integration/stack`` (API server and scheduler in threads, a real Celery
worker, Redis, SQLite) with an editor token of ``default`` stored in its database, so every call of the
Java program carries a bearer token. Where no ``javac`` is found the tests are skipped, saying so.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
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

    def run(self, main_class: str, *args: str, stdin: str | None = None, timeout: float = 30) -> (
            subprocess.CompletedProcess[str]):
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


@pytest.fixture
def editor_token(db: Engine, monkeypatch: pytest.MonkeyPatch) -> str:
    """An editor token of ``default``, stored (which closes the open server); the worker and the SDK get theirs."""
    editor, worker = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    with session_scope(db) as session:
        add_token(session, "java", hash_token(editor), "editor", ["default"], created_by="test")
        add_token(session, "worker", hash_token(worker), "worker", None, created_by="test")
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", worker)
    monkeypatch.setenv("AIFLOW_TOKEN", editor)
    return editor


@pytest.fixture
def java_stack(editor_token: str, stack: WorkerProcess, stack_config: ServerConfig) -> Iterator[str]:  # noqa: F811
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
    java_build: JavaBuild, java_stack: str, editor_token: str, bus: NotificationClient
) -> None:
    result = java_build.run("Quickstart", java_stack, editor_token, sample_file("quickstart", "quickstart.py"),
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
