"""Workflows run end to end: upload, start, schedule, run on a real worker, finish."""

from __future__ import annotations

import signal
import socket
from pathlib import Path

from sqlalchemy.engine import Engine

from aiflow import ops
from aiflow.metadata.executions import TaskTimelineStep
from aiflow.metadata.queries.timeline import list_timeline
from aiflow.metadata.session import session_scope
from aiflow.model.execution_type import ExecutionType
from aiflow.model.internal.conditions import SingleEventCondition
from aiflow.model.rule import WorkflowRule
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import WorkerProcess
from tests.support import task_statuses, wait_for_execution, wait_until

QUICKSTART = '''
from ai_flow.model.action import TaskAction
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator
from ai_flow.model.workflow import Workflow


def func():
    client = AIFlowNotificationClient("localhost:50052")
    client.send_event(key="key", value="This is a custom message.")


with Workflow(name="quickstart_workflow") as w1:
    task1 = BashOperator(name="task1", bash_command="echo I am the 1st task.")
    task2 = BashOperator(name="task2", bash_command="echo I am the 2nd task.")
    task3 = PythonOperator(name="task3", python_callable=func)
    task4 = BashOperator(name="task4", bash_command="echo I am the 4th task.")
    task3.start_after([task1, task2])
    task4.action_on_event_received(action=TaskAction.START, event_key="key")
'''

FLAKY = '''
import os, time
from ai_flow.model.workflow import Workflow
from ai_flow.operators.python import PythonOperator


def slow_then_done():
    marker = "{marker}"
    if not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(600)  # the first try hangs until its worker is killed


with Workflow(name="survives_a_dead_worker") as workflow:
    PythonOperator(name="slow", python_callable=slow_then_done, retries=1)
'''


def test_the_quickstart_runs_to_four_successful_tasks(stack: WorkerProcess, tmp_path: Path) -> None:
    ops.upload_workflows(write_workflow(tmp_path, QUICKSTART))

    execution_id = ops.start_workflow_execution("quickstart_workflow")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {f"task{i}": TaskStatus.SUCCESS for i in range(1, 5)}
    task1 = next(t for t in ops.list_task_executions(execution_id) or [] if t.task_name == "task1")
    assert "I am the 1st task." in "".join(ops.task_execution_log_lines(task1.id))


def test_the_quickstart_timeline_shows_why_each_task_ran_and_on_which_worker(
    stack: WorkerProcess, tmp_path: Path, db: Engine
) -> None:
    ops.upload_workflows(write_workflow(tmp_path, QUICKSTART))
    execution_id = ops.start_workflow_execution("quickstart_workflow")
    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS

    with session_scope(db) as session:
        timeline = list_timeline(session, execution_id)
    steps: dict[str, list[TaskTimelineStep]] = {}
    for step, task_name in timeline:
        steps.setdefault(task_name, []).append(step)
    worker = f"celery@{socket.gethostname()}"
    for name, task_steps in steps.items():
        assert [(s.step, s.status, s.worker) for s in task_steps] == [
            ("queued", "QUEUED", None), ("start_sent", "QUEUED", None), ("status", "RUNNING", worker),
            ("status", "SUCCESS", None)], name
        assert task_steps[2].event_key == f"aiflow.task_status:{name}"
        assert task_steps[2].event_sender == "aiflow.worker" and task_steps[2].event_value == "RUNNING"
    queued = {name: task_steps[0] for name, task_steps in steps.items()}
    assert queued["task1"].cause == "the execution started; 'task1' has no START rule"
    assert queued["task1"].event_key == "aiflow.command"
    assert queued["task3"].cause == "rule 1 of task 'task3': START when task statuses task1=SUCCESS, task2=SUCCESS"
    assert queued["task3"].event_key in ("aiflow.task_status:task1", "aiflow.task_status:task2")
    assert queued["task3"].event_value == "SUCCESS"
    assert queued["task4"].cause == "rule 1 of task 'task4': START when any of events key"
    assert (queued["task4"].event_key, queued["task4"].event_value, queued["task4"].event_sender) == (
        "key", "This is a custom message.", "task3")  # the API server names the sending task
    assert queued["task4"].event_offset is not None and queued["task4"].event_offset > queued["task3"].event_offset
    assert [step.id for step, _ in timeline] == sorted(step.id for step, _ in timeline)


def test_a_task_whose_worker_is_killed_fails_then_its_retry_succeeds_on_a_live_worker(
    stack: WorkerProcess, tmp_path: Path, shared: Path
) -> None:
    marker = shared / "first-try-started"
    ops.upload_workflows(write_workflow(tmp_path, FLAKY.format(marker=marker)))
    execution_id = ops.start_workflow_execution("survives_a_dead_worker")
    wait_until(marker.exists, timeout=30, message="the first try to start")
    wait_until(lambda: task_statuses(execution_id) == {"slow": TaskStatus.RUNNING}, timeout=10)

    stack.popen.send_signal(signal.SIGKILL)  # the worker's main process dies with its pool
    with WorkerProcess(tmp_path / "worker-2.log"):  # the replacement
        assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
        tries = ops.list_task_executions(execution_id) or []
        assert [(t.sequence_number, t.try_number, t.status) for t in tries] == [(1, 2, TaskStatus.SUCCESS)]


LISTENING = '''
import threading
from datetime import datetime
from typing import List

from ai_flow.model.action import TaskAction
from ai_flow.model.status import TaskStatus
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient, Event, ListenerProcessor
from ai_flow.operators.python import PythonOperator


class Loader(ListenerProcessor):
    def __init__(self):
        self.models = []
        self.done = threading.Event()

    def process(self, events: List[Event]):
        self.models += [event.value for event in events]
        if len(self.models) >= 3:
            self.done.set()


def deploy():
    client = AIFlowNotificationClient("localhost:50052")
    for version in range(3):
        client.send_event(key="model_deployed", value=f"model-{{version}}")


def predict():
    client = AIFlowNotificationClient("localhost:50052")
    loader = Loader()
    client.register_listener(loader, ["model_deployed"], begin_time=datetime(2000, 1, 1))
    assert loader.done.wait(60), "no models deployed"
    with open("{output}", "w") as output:
        output.write(",".join(loader.models))
    client.close()


with Workflow(name="tutorial_shaped") as workflow:
    predicting = PythonOperator(name="predicting", python_callable=predict)
    deploying = PythonOperator(name="deploying", python_callable=deploy)
    deploying.action_on_task_status(TaskAction.START, {{predicting: TaskStatus.RUNNING}})
'''

CUSTOM_CONDITION = '''
from notification_service.model.event import Event
from ai_flow.model.action import TaskAction
from ai_flow.model.condition import Condition
from ai_flow.model.context import Context
from ai_flow.model.state import ValueState, ValueStateDescriptor
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator


class NumCondition(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        state: ValueState = context.get_state(ValueStateDescriptor(name="count"))
        total = (state.value() or 0) + int(event.value)
        state.update(total)
        return total >= 10


def produce():
    client = AIFlowNotificationClient(server_uri="localhost:50052")
    for number in (3, 3, 3, 3):
        client.send_event(key="num_event", value=str(number))


with Workflow(name="custom_condition") as workflow:
    producer = PythonOperator(name="producer", python_callable=produce)
    summed = BashOperator(name="summed", bash_command="echo the numbers reached 10")
    summed.action_on_condition(action=TaskAction.START,
                               condition=NumCondition(expect_event_keys=["num_event"]))
'''


def test_a_listening_task_receives_the_events_another_task_sends(
    stack: WorkerProcess, tmp_path: Path, shared: Path
) -> None:
    output = shared / "predictions.txt"
    ops.upload_workflows(write_workflow(tmp_path, LISTENING.format(output=output)))

    execution_id = ops.start_workflow_execution("tutorial_shaped")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert output.read_text() == "model-0,model-1,model-2"


def test_a_custom_stateful_condition_starts_its_task_once_the_sum_is_reached(
    stack: WorkerProcess, tmp_path: Path
) -> None:
    ops.upload_workflows(write_workflow(tmp_path, CUSTOM_CONDITION))

    execution_id = ops.start_workflow_execution("custom_condition")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {"producer": TaskStatus.SUCCESS, "summed": TaskStatus.SUCCESS}
    assert [t.sequence_number for t in ops.list_task_executions(execution_id) or []
            if t.task_name == "summed"] == [1]


TRIGGERED = '''
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator


def send_event():
    AIFlowNotificationClient(server_uri="localhost:50052").send_event(key="trigger_workflow", value=None)


with Workflow(name="sender") as sender:
    PythonOperator(name="send", python_callable=send_event)

with Workflow(name="event_triggered") as triggered:
    BashOperator(name="run", bash_command="echo triggered")
'''

SCHEDULED = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="every_two_seconds") as workflow:
    BashOperator(name="tick", bash_command="echo tick")
'''


def test_an_event_from_a_task_of_one_workflow_triggers_another(stack: WorkerProcess, tmp_path: Path) -> None:
    ops.upload_workflows(write_workflow(tmp_path, TRIGGERED))
    ops.add_workflow_trigger(WorkflowRule(SingleEventCondition("trigger_workflow")), "event_triggered")

    ops.start_workflow_execution("sender")

    triggered = wait_until(lambda: ops.list_workflow_executions("event_triggered"), timeout=60)
    assert wait_for_execution(triggered[0].id).status == WorkflowStatus.SUCCESS
    assert triggered[0].execution_type == ExecutionType.EVENT


def test_a_schedule_starts_executions_that_run_on_the_worker(stack: WorkerProcess, tmp_path: Path) -> None:
    ops.upload_workflows(write_workflow(tmp_path, SCHEDULED))
    schedule = ops.add_workflow_schedule("interval@0 0 0 2", "every_two_seconds")

    runs = wait_until(lambda: (found := ops.list_workflow_executions("every_two_seconds") or [])
                      and len(found) >= 2 and found, timeout=30)
    ops.pause_workflow_schedule(schedule.id)

    assert all(wait_for_execution(run.id).status == WorkflowStatus.SUCCESS for run in runs[:2])
