"""Hostile workflow files uploaded through the API: they learn no secret and leave nothing behind.

Each file is what an editor-token holder could upload. The loader runs it in the sandbox; these tests
check, from outside, that the upload fails or succeeds cleanly, that no secret reaches the response or the
server's log, that no process of the file survives, and that the server's memory and workers stay free.
"""

from __future__ import annotations

import logging
import os
import re
import resource
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from aiflow.metadata import WorkflowSnapshot, session_scope
from aiflow.plan import CustomCondition, WorkflowPlan
from notification.embedded import PASSWORD_FILE
from tests.integration.sandbox.conftest import tagged_processes
from tests.integration.web.conftest import make_package, upload, workflow_source
from tests.support import wait_until
from web.packages import LOAD_SLOT_WAIT_S, load_slots

SECRET = "worker-token-" + uuid.uuid4().hex
DECLARES = "from ai_flow.model.workflow import Workflow\nworkflow = Workflow(name='wf')\n"


@pytest.fixture
def secret_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A standalone's secrets on disk (server and client configuration, Redis password) and in the environment."""
    aiflow_home, notification_home = Path(os.environ["AIFLOW_HOME"]), Path(os.environ["NOTIFICATION_HOME"])
    files = [aiflow_home / "aiflow_server.yaml", aiflow_home / "aiflow_client.yaml", notification_home / PASSWORD_FILE]
    for file in files:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(f"token: {SECRET}\n")
        file.chmod(0o600)
    monkeypatch.setenv("AIFLOW_WORKER_TOKEN", SECRET)
    monkeypatch.setenv("NOTIFICATION_REDIS_PASSWORD", SECRET)
    monkeypatch.setenv("REDIS_URL", f"redis://:{SECRET}@127.0.0.1:6379/0")
    return files


def rejected(client: FlaskClient, source: str) -> dict[str, Any]:
    response = upload(client, make_package({"wf.py": source}))
    assert response.status_code == 400, response.json
    return dict(response.json)


def test_a_file_reading_the_server_secrets_at_import_learns_nothing(
    client: FlaskClient, secret_files: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    paths = [str(file) for file in secret_files]
    source = f"contents = [open(path).read() for path in {paths!r}]\nraise Exception(contents)\n"

    body = rejected(client, source)

    assert "PermissionError: [Errno 13] Permission denied" in body["message"]
    assert str(secret_files[0]) in body["message"]
    assert SECRET not in str(body) and SECRET not in caplog.text


def test_a_file_smuggling_the_secrets_into_its_workflow_gets_none(
    client: FlaskClient, engine: Engine, secret_files: list[Path]
) -> None:
    """What a file stores with its workflow (here in a custom condition, pickled into the plan) holds no secret."""
    source = "\n".join([
        "from ai_flow.model.action import TaskAction",
        "from ai_flow.model.condition import Condition",
        "from ai_flow.model.workflow import Workflow",
        "from ai_flow.operators.bash import BashOperator",
        "def steal(path):",
        "    try:",
        "        return open(path).read()",
        "    except OSError as error:",
        "        return repr(error)",
        "class Loot(Condition):",
        "    def is_met(self, event, context):",
        "        return False",
        "loot = Loot(['k'])",
        f"loot.stolen = [steal(p) for p in {[str(f) for f in secret_files]!r}]",
        "with Workflow(name='wf') as w:",
        "    BashOperator(name='t', bash_command='echo').action_on_condition(TaskAction.START, loot)",
    ])

    response = upload(client, make_package({"wf.py": source}))

    assert response.status_code == 201, response.json
    with session_scope(engine) as session:
        stored = session.get_one(WorkflowSnapshot, response.json["snapshot"]["id"]).plan or ""
    condition = WorkflowPlan.from_json(stored).task_rules("t")[0].condition
    assert isinstance(condition, CustomCondition)
    assert condition.code.count(b"Permission denied") == len(secret_files)  # what the file got
    assert SECRET.encode() not in condition.code and SECRET not in stored
    assert SECRET not in response.get_data(as_text=True)


def test_the_environment_a_file_sees_holds_no_secret(client: FlaskClient, secret_files: list[Path]) -> None:
    body = rejected(client, "import os\nraise Exception(sorted(os.environ.items()))\n")

    names = re.findall(r"\('(\w+)', ", body["message"])
    assert names == ["HOME", "LANG", "LC_ALL", "PATH", "TMPDIR"]
    assert SECRET not in str(body)


def test_a_file_reaching_redis_over_tcp_is_refused(client: FlaskClient, redis_url: str) -> None:
    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    source = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=5).sendall(b'PING\\r\\n')\n"

    body = rejected(client, source)

    assert body["message"] == "PermissionError: [Errno 13] Permission denied"


@pytest.mark.parametrize("then", ["finish", "spin"])
def test_processes_a_file_starts_do_not_outlive_its_load(app_factory: Callable[..., Flask], then: str) -> None:
    client = app_factory(workflow_load_timeout=3).test_client()
    marker = uuid.uuid4().hex
    # Popen returns once the sleep has been exec'd, so a load that succeeds proves the sleep was running.
    source = "\n".join([
        "import os, subprocess",
        f"environment = {{**os.environ, 'AIFLOW_TEST_MARKER': {marker!r}}}",
        "subprocess.Popen(['setsid', 'sleep', '1000'], env=environment, stdout=subprocess.DEVNULL)",
        "while True: pass" if then == "spin" else "",
        DECLARES,
    ])
    answers: list[Any] = []
    uploading = threading.Thread(target=lambda: answers.append(upload(client, make_package({"wf.py": source}))))
    uploading.start()
    if then == "spin":
        wait_until(lambda: tagged_processes(marker), timeout=20, message="the file's detached sleep to start")
    uploading.join(timeout=30)

    assert answers[0].status_code == (400 if then == "spin" else 201), answers[0].json
    if then == "spin":
        assert "did not finish within 3 seconds" in answers[0].json["message"]
    assert tagged_processes(marker) == []


def test_a_file_printing_a_gigabyte_leaves_the_server_memory_bounded(client: FlaskClient) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
    source = "import sys\nfor _ in range(1024):\n    sys.stdout.write('x' * (1 << 20))\nraise Exception('spoke')\n"

    body = rejected(client, source)

    grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown < 256 * 1024, f"the server grew by {grown} KiB"
    assert body["message"] == "Exception: spoke"


def test_a_file_flooding_the_result_pipe_gets_a_capped_error(client: FlaskClient) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    source = "\n".join([
        "import os",
        "block = b'z' * (1 << 20)",
        "for _ in range(200):",
        "    for fd in range(3, 12):",
        "        try:",
        "            os.write(fd, block)",
        "        except OSError:",
        "            pass",
        DECLARES,
    ])

    body = rejected(client, source)

    assert "exceed 67108864 bytes" in body["message"]
    assert len(str(body)) < 1000
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 256 * 1024


def test_a_file_allocating_ten_gigabytes_fails_cleanly(client: FlaskClient) -> None:
    body = rejected(client, "hoard = bytearray(10 * 1024**3)\n")

    assert (body["message"], body["line"]) == ("MemoryError: ", 1)
    assert upload(client, make_package({"wf.py": workflow_source()})).status_code == 201


def test_uploads_beyond_the_load_slots_are_refused_quickly(app_factory: Callable[..., Flask]) -> None:
    app = app_factory(workflow_load_timeout=3, max_concurrent_loads=2)
    slow = make_package({"wf.py": "while True: pass\n"})
    answers: list[Any] = []
    holders = [threading.Thread(target=lambda: answers.append(upload(app.test_client(), slow))) for _ in range(2)]
    for holder in holders:
        holder.start()
    with app.app_context():
        slots = load_slots(app.extensions["aiflow"].config)
    wait_until(lambda: slots.busy() == 2, timeout=20, message="both load slots to be taken")

    started = time.monotonic()
    refused = upload(app.test_client(), make_package({"wf.py": workflow_source()}))
    waited = time.monotonic() - started
    for holder in holders:
        holder.join(timeout=30)

    assert refused.status_code == 503
    assert refused.json == {"error": "unavailable", "detail": "all 2 workflow load slots are busy; retry later"}
    assert LOAD_SLOT_WAIT_S <= waited < LOAD_SLOT_WAIT_S + 2
    assert [answer.status_code for answer in answers] == [400, 400]
    assert upload(app.test_client(), make_package({"wf.py": workflow_source()})).status_code == 201
