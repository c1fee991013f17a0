"""The task reading its environment, through the API: an editor's task learns no secret of the worker.

A victim's execution leaves a model in its run folder and a line in its log. Then an editor uploads a
workflow whose task dumps its environment and reads the worker's configuration, the Redis password file,
the victim's run folder and log, and the worker's ``/proc/<pid>/environ``, and reads its own task's log
through the API: once with an editor token of the victim's namespace, once with one of another namespace.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from pathlib import Path

import pytest
import yaml

from aiflow import ops
from aiflow.model.status import WorkflowStatus
from notification.embedded import PASSWORD_FILE, EmbeddedServer
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import WorkerProcess
from tests.support import wait_for_execution
from web.auth import hash_token

TOKENS = {role: f"{role}-{uuid.uuid4().hex}" for role in ("admin", "worker", "victims", "attackers")}
NOTE = "model-" + uuid.uuid4().hex

VICTIM = f'''
import os

from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def train():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.txt"), "w") as model:
        model.write({NOTE!r})
    print({NOTE!r})


with Workflow(name="victim", namespace="victims") as workflow:
    PythonOperator(name="train", python_callable=train)
'''

ATTACK = '''
import errno, json, os

from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def steal(path):
    try:
        with open(path, "rb") as file:
            return file.read().decode(errors="replace")
    except OSError as error:
        return errno.errorcode[error.errno]


def parent_of(pid):
    with open(f"/proc/{{pid}}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def attack():
    here = os.path.dirname(os.path.abspath(__file__))
    # The try's runtime names how it reaches the bus: what it may do there is the per-try credential's matter.
    print("ENVIRONMENT " + json.dumps({{k: v for k, v in os.environ.items() if k != "AIFLOW_TASK_RUNTIME"}}))
    print("STOLEN " + json.dumps({{
        "config": steal({config!r}),
        "password": steal({password!r}),
        "victim_run": steal(os.path.join(os.path.dirname(here), "{victim}", "model.txt")),
        "victim_log": steal({victim_log!r}),
        "worker_environ": steal(f"/proc/{{parent_of(os.getppid())}}/environ"),
    }}), flush=True)


with Workflow(name="attack", namespace="{namespace}") as workflow:
    PythonOperator(name="attack", python_callable=attack)
'''


@pytest.fixture
def secrets_on_disk(redis_server: EmbeddedServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tokens configured for the stack, the worker token in ``aiflow_server.yaml``, the Redis password file."""
    home, notification_home = Path(os.environ["AIFLOW_HOME"]), Path(os.environ["NOTIFICATION_HOME"])
    for folder in (home, notification_home):
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    config = home / "aiflow_server.yaml"
    config.write_text(f"worker_token: {TOKENS['worker']}\n")
    (notification_home / PASSWORD_FILE).write_text(redis_server.password())
    tokens = {"root": {"token_sha256": hash_token(TOKENS["admin"]), "role": "admin"},
              "worker": {"token_sha256": hash_token(TOKENS["worker"]), "role": "viewer"}}
    for namespace in ("victims", "attackers"):
        tokens[namespace] = {"token_sha256": hash_token(TOKENS[namespace]), "role": "editor", "namespaces": [namespace]}
    monkeypatch.setenv("AIFLOW_API_TOKENS", yaml.safe_dump(tokens, default_flow_style=True))
    return config


def run_as(token: str, monkeypatch: pytest.MonkeyPatch, source: Path, workflow: str, namespace: str) -> int:
    """Upload ``source`` and run ``workflow`` to its end with ``token``; return the execution's id."""
    monkeypatch.setenv("AIFLOW_TOKEN", token)
    ops.upload_workflows(str(source))
    execution_id = ops.start_workflow_execution(workflow, namespace)
    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    return execution_id


def line_after(text: str, marker: str) -> str:
    return next(line[len(marker):] for line in text.splitlines() if line.startswith(marker))


def log_of(execution_id: int) -> str:
    (task,) = ops.list_task_executions(execution_id) or []
    return "\n".join(ops.task_execution_log_lines(task.id))


@pytest.mark.parametrize("namespace", ["victims", "attackers"], ids=["same namespace", "other namespace"])
def test_a_task_started_through_the_api_learns_no_secret_and_no_other_execution_s_data(
    secrets_on_disk: Path, stack: WorkerProcess, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    redis_server: EmbeddedServer, caplog: pytest.LogCaptureFixture, namespace: str,
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("AIFLOW_TOKEN", TOKENS["admin"])
    for name in ("victims", "attackers"):
        ops.add_namespace(name)
    victim = run_as(TOKENS["victims"], monkeypatch, Path(write_workflow(shared, VICTIM, "victim.py")), "victim",
                    "victims")
    victim_log = tmp_path / "logs" / "victims" / "victim" / str(victim) / "train" / "1-1.log"  # the stack's log_dir
    assert NOTE in victim_log.read_text()
    source = ATTACK.format(config=str(secrets_on_disk), password=str(Path(os.environ["NOTIFICATION_HOME"]) /
                           PASSWORD_FILE), victim=victim, victim_log=str(victim_log), namespace=namespace)

    attack = run_as(TOKENS[namespace], monkeypatch, Path(write_workflow(shared, source, "attack.py")), "attack",
                    namespace)

    log = log_of(attack)  # read through the API with the attacker's token
    stolen = json.loads(line_after(log, "STOLEN "))
    assert stolen == {"config": "EACCES", "password": "EACCES", "victim_run": "EACCES", "victim_log": "EACCES",
                      "worker_environ": "EACCES"}
    environment = json.loads(line_after(log, "ENVIRONMENT "))
    assert not [name for name in environment if name.startswith(("AIFLOW_", "NOTIFICATION_", "CELERY_", "REDIS"))]
    secrets = [*TOKENS.values(), redis_server.password()]
    everything_logged = "\n".join([log, stack.log_file.read_text(), caplog.text,
                                   *(path.read_text() for path in (tmp_path / "logs").rglob("*.log"))])
    assert not [secret for secret in secrets if secret in everything_logged]
    assert NOTE not in log
    assert run_as(TOKENS["victims"], monkeypatch, Path(shared / "victim.py"), "victim", "victims")  # works on
    assert stack.alive()
