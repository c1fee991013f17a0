"""A workflow file that uploads fine but raises or hangs when a worker loads it for an execution's tries.

The worker loads it once per execution, in a confined workflow server: the execution's tries fail
with the file's error (its traceback in their logs), while the worker goes on running the canary
of namespace ``canary``. A hanging file holds its try's slot until ``workflow_load_timeout``, as a
running try would; the stack's worker has two slots, so the canary gets the other.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import LOAD_TIMEOUT_S, Scene
from tests.faults.test_conditions import settled_tasks
from tests.support import wait_until

ON_WORKERS = '''
import os
import time

from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

HERE = os.path.dirname(os.path.abspath(__file__))
ON_A_WORKER = os.path.basename(os.path.dirname(HERE)) == "runs"  # {{worker_work_dir}}/runs/<execution>
{body}

with Workflow(name="{name}") as workflow:
    BashOperator(name="only", bash_command="true")
'''

FAULTS = {
    "raises": ("if ON_A_WORKER:\n    raise RuntimeError('the model store is away')", "the model store is away"),
    "hangs": ("while ON_A_WORKER:\n    time.sleep(0.01)", f"took longer than {LOAD_TIMEOUT_S} s to load"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_workflow_file_failing_on_the_worker_fails_its_tries_only(fault: str, scene: Scene) -> None:
    body, error = FAULTS[fault]
    name = f"loads_badly_{fault}"
    response = scene.api.upload("default", {f"{name}.py": ON_WORKERS.format(name=name, body=body)})
    assert response.status_code == 201, response.text  # the file loads where the API server checks it
    execution_id = scene.api.start("default", name)

    scene.canary_sings()

    wait_until(lambda: scene.api.execution(execution_id)["status"] == "FAILED", timeout=30,
               message=f"execution {execution_id} to fail")
    tasks = settled_tasks(scene, execution_id)
    assert [(t["task_name"], t["status"]) for t in tasks] == [("only", "FAILED")]
    for task in tasks:
        assert "cannot load task" in task["error"] and error in task["error"], task["error"]
        log = scene.api.ok("GET", f"/task-executions/{task['id']}/logs")["lines"]
        assert any(error in str(line) for line in log), log  # the traceback, in the try's log
    scene.canary_sings()
    scene.assert_contained()
