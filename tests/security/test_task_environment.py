"""A task reading its environment and its worker's files, by the editor of the namespace and of another.

Namespace a's victim execution leaves a model in its run folder and a line in its log. Then an editor's
task, in the editor's own namespace, dumps its environment and tries to read the worker's configuration,
the Redis password file, the victim's run folder and log, its worker's ``/proc/<pid>/environ``, the SQLite
database and the blob store (here outside ``AIFLOW_HOME``); the editor reads the task's log through the API.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from notification.embedded import PASSWORD_FILE
from tests.faults.stack import Api
from tests.faults.world import finished_status
from tests.security.conftest import SECRETS, Secured
from tests.support import wait_until

NOTE = "model-" + secrets.token_hex(8)

VICTIM = f'''
import os

from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def train():
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.txt"), "w") as model:
        model.write({NOTE!r})
    print({NOTE!r})


with Workflow(name="trained") as workflow:
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


def listing(path):
    try:
        return os.listdir(path)
    except OSError as error:
        return errno.errorcode[error.errno]


def parent_of(pid):
    with open(f"/proc/{{pid}}/stat") as stat:
        return int(stat.read().rsplit(")", 1)[1].split()[1])


def attack():
    here = os.path.dirname(os.path.abspath(__file__))
    # The try's runtime says how it reaches the bus: what it may do there is its per-try credential's matter.
    print("ENVIRONMENT " + json.dumps({{k: v for k, v in os.environ.items() if k != "AIFLOW_TASK_RUNTIME"}}))
    print("STOLEN " + json.dumps({{
        "config": steal({config!r}),
        "password": steal({password!r}),
        "victim_run": steal(os.path.join(os.path.dirname(here), "{victim}", "model.txt")),
        "victim_log": steal({victim_log!r}),
        "worker_environ": steal(f"/proc/{{parent_of(os.getppid())}}/environ"),
        "database": steal({database!r}),
        "blob_store": listing({blob_store!r}),
    }}), flush=True)


with Workflow(name="{name}") as workflow:
    PythonOperator(name="attack", python_callable=attack)
'''


def run(api: Api, namespace: str, name: str, source: str) -> int:
    """Upload ``source`` as ``<name>.py`` to ``namespace`` and run workflow ``name`` to its end; return its id."""
    response = api.upload(namespace, {f"{name}.py": source})
    assert response.status_code == 201, response.text
    execution_id = api.start(namespace, name)
    status = wait_until(lambda: finished_status(api.execution(execution_id)), timeout=30,
                        message=f"the execution of {name} to finish")
    assert status == "SUCCESS", api.execution(execution_id)
    return execution_id


def log_of(api: Api, execution_id: int) -> str:
    (task,) = api.task_executions(execution_id)
    return "\n".join(api.ok("GET", f"/task-executions/{task['id']}/logs")["lines"])


def line_after(text: str, marker: str) -> Any:
    return json.loads(next(line[len(marker):] for line in text.splitlines() if line.startswith(marker)))


@pytest.fixture(scope="module")
def redis_password(secured: Secured) -> str:
    """The stack's Redis password, also in ``NOTIFICATION_HOME`` as a standalone keeps it."""
    password = urlsplit(secured.stack.env["AIFLOW_NOTIFICATION_SERVER_URI"]).password
    assert password
    home = Path(secured.stack.env["NOTIFICATION_HOME"])
    home.mkdir(mode=0o700, exist_ok=True)
    (home / PASSWORD_FILE).write_text(password)
    return password


@pytest.fixture(scope="module")
def victim(secured: Secured) -> tuple[int, Path]:
    """Namespace a's execution that left :data:`NOTE` in its run folder and its log: its id and its log file."""
    execution_id = run(secured.admin, "a", "trained", VICTIM)
    log = secured.stack.folder / "logs" / "a" / "trained" / str(execution_id) / "train" / "1-1.log"
    assert NOTE in log.read_text()
    return execution_id, log


@pytest.mark.parametrize("whose", ["own", "other"])
def test_a_task_reading_its_environment_and_the_worker_s_files_learns_nothing(
    whose: str, secured: Secured, victim: tuple[int, Path], redis_password: str
) -> None:
    namespace = "a" if whose == "own" else "b"
    editor = secured.editors[namespace]
    stack = secured.stack
    source = ATTACK.format(config=str(stack.folder / "home" / "aiflow_server.yaml"),
                           password=str(Path(stack.env["NOTIFICATION_HOME"]) / PASSWORD_FILE), victim=victim[0],
                           victim_log=str(victim[1]), name=f"attack_{whose}",
                           database=str(stack.folder / "aiflow.db"), blob_store=str(stack.folder / "blob"))

    log = log_of(editor, run(editor, namespace, f"attack_{whose}", source))

    assert line_after(log, "STOLEN ") == {"config": "EACCES", "password": "EACCES", "victim_run": "EACCES",
                                          "victim_log": "EACCES", "worker_environ": "EACCES", "database": "EACCES",
                                          "blob_store": "EACCES"}
    environment = line_after(log, "ENVIRONMENT ")
    assert not [name for name in environment if name.upper().startswith(("AIFLOW_", "NOTIFICATION_", "CELERY_",
                                                                            "REDIS"))]
    assert not [secret for secret in (*SECRETS, redis_password, NOTE) if secret in log]
    assert redis_password not in secured.logs()
    secured.assert_unharmed()
