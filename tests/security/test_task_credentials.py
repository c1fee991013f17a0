"""A task attacks namespace ``b`` with what it can find, on a stack of real processes.

``b`` holds ``victim``, an execution waiting for the event ``go`` (which would start its task),
and ``bystander``. The attacker's workflow is uploaded by the editor of namespace ``a`` (its task
attacks another namespace) and by the editor of ``b`` (its task attacks its own namespace's other
executions). Its task tries to send ``go`` where the victim would take it, to start executions and
tasks and to read what it may not, and writes what each attempt got. The victim must get nothing,
and the attacker's workflow, the bystander and the canary run on. What the task may do comes from
its try's token alone, not from the token that uploaded it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.faults.world import finished_status
from tests.security.conftest import SECRETS, Secured
from tests.support import wait_until

VICTIM = '''
from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="victim") as victim:
    BashOperator(name="victim_task", bash_command="echo started").action_on_event_received(TaskAction.START, "go")
'''

BYSTANDER = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="bystander") as bystander:
    BashOperator(name="work", bash_command="echo working")
'''

ATTACKER = '''
import json
import os

import requests

from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator

REPORT = {report!r}
VICTIM_EXECUTION = {victim_execution}
FROM_ENVIRONMENT = {from_environment}
GO_FOR_THE_VICTIM = {{"key": "go", "sender": "victim_task",
                      "context": json.dumps({{"workflow_execution_id": VICTIM_EXECUTION}})}}


def attempt(results, name, call):
    try:
        results[name] = call()
    except Exception as exc:
        results[name] = f"refused: {{type(exc).__name__}}: {{exc}}"


def with_the_runtime(results):
    runtime_text = os.environ["AIFLOW_TASK_RUNTIME"]
    runtime = json.loads(runtime_text)
    api, headers = runtime["api_address"] + "/api/v1", {{"Authorization": "Bearer " + runtime["try_token"]}}

    def call(method, path, **kwargs):
        response = requests.request(method, api + path, headers=headers, timeout=30, **kwargs)
        return response.json() if response.status_code == 201 else response.status_code

    results["runtime names redis"] = "redis" in runtime_text.lower()
    attempt(results, "send go to b", lambda: call("POST", "/namespaces/b/events", json=GO_FOR_THE_VICTIM))
    attempt(results, "list b", lambda: call("GET", "/namespaces/b/events"))
    attempt(results, "start victim", lambda: call("POST", "/namespaces/b/workflows/victim/executions"))
    attempt(results, "start victim_task",
            lambda: call("POST", f"/workflow-executions/{{VICTIM_EXECUTION}}/tasks/victim_task/start"))
    itself = f"/namespaces/{{runtime['namespace']}}/workflows/attacker/executions"
    attempt(results, "start itself", lambda: call("POST", itself))
    attempt(results, "read the victim", lambda: call("GET", f"/workflow-executions/{{VICTIM_EXECUTION}}"))
    client = AIFlowNotificationClient("redis://127.0.0.1:6379/0")  # an explicit Redis URL changes nothing
    attempt(results, "client send", lambda: client.send_event("go", "from the attacker").to_dict())


def with_the_environment(results):
    from notification.client import NotificationClient
    from notification.event import Event

    api = json.loads(os.environ["AIFLOW_TASK_RUNTIME"])["api_address"] + "/api/v1"
    for name, value in sorted(os.environ.items()):
        if "redis://" in value or "rediss://" in value:
            attempt(results, f"redis of {{name}}", lambda: NotificationClient(value).send_event(
                Event(namespace="b", **GO_FOR_THE_VICTIM)).offset)
        if "TOKEN" in name and name != "AIFLOW_TASK_RUNTIME" and value:
            attempt(results, f"token of {{name}}", lambda: requests.post(
                api + "/namespaces/b/events", json=GO_FOR_THE_VICTIM,
                headers={{"Authorization": "Bearer " + value}}, timeout=30).status_code)


def attack():
    results = {{}}
    with_the_environment(results) if FROM_ENVIRONMENT else with_the_runtime(results)
    with open(REPORT, "w") as report:
        json.dump(results, report)


with Workflow(name="attacker") as workflow:
    attacker = PythonOperator(name="attack", python_callable=attack)
    BashOperator(name="after", bash_command="echo the attacker goes on").start_after(attacker)
'''


def finished(secured: Secured, execution_id: int) -> str:
    return str(wait_until(lambda: finished_status(secured.admin.execution(execution_id)), timeout=60,
                          message=f"execution {execution_id} to finish"))


def run_attack(secured: Secured, namespace: str, report: Path, from_environment: bool) -> tuple[dict[str, Any], int]:
    """Upload and run the attacker in ``namespace`` with its editor's token; return its report and execution.

    Fails unless the victim got nothing, and the attacker's workflow, the bystander and the canary succeed.
    """
    admin, editor = secured.admin, secured.editors[namespace]
    assert admin.upload("b", {"victim.py": VICTIM}).status_code == 201
    assert admin.upload("b", {"bystander.py": BYSTANDER}).status_code == 201
    victim = admin.start("b", "victim")
    wait_until(lambda: admin.execution(victim)["status"] == "RUNNING", timeout=30, message="the victim to run")
    source = ATTACKER.format(report=str(report), victim_execution=victim, from_environment=from_environment)
    assert editor.upload(namespace, {"attacker.py": source}).status_code == 201
    attacker = editor.start(namespace, "attacker")

    assert finished(secured, attacker) == "SUCCESS", admin.task_executions(attacker)
    assert finished(secured, admin.start("b", "bystander")) == "SUCCESS"
    assert admin.task_executions(victim) == []  # its task waits for a "go" of its own execution: none came
    assert admin.execution(victim)["status"] == "RUNNING"
    secured.assert_unharmed()
    text = report.read_text()
    assert not [secret for secret in SECRETS if secret in text]
    admin.ok("POST", f"/workflow-executions/{victim}/stop")
    return dict(json.loads(text)), attacker


@pytest.mark.parametrize("namespace", ["a", "b"], ids=["editor of another namespace", "editor of the same namespace"])
def test_a_task_reaches_nothing_beyond_its_namespaces_events_with_its_credential(
    secured: Secured, tmp_path: Path, namespace: str
) -> None:
    results, attacker = run_attack(secured, namespace, tmp_path / "report.json", from_environment=False)

    assert results.pop("runtime names redis") is False
    sent = [results.pop("client send")]
    if namespace == "b":  # its own namespace: the event goes in, but as the attacker's own
        sent.append(results.pop("send go to b"))
        expected = {"list b": 200}
    else:
        expected = {"send go to b": 403, "list b": 403}
    assert results == {**expected, "start victim": 403, "start victim_task": 403, "start itself": 403,
                       "read the victim": 403}
    for event in sent:
        assert (event["namespace"], event["sender"]) == (namespace, "attack")
        assert json.loads(event["context"]) == {"workflow_execution_id": attacker}


def test_a_task_reaches_nothing_with_what_its_environment_holds(secured: Secured, tmp_path: Path) -> None:
    results, _ = run_attack(secured, "a", tmp_path / "report.json", from_environment=True)

    assert [name for name, got in results.items() if got not in (401, 403) and not str(got).startswith("refused")] == []
