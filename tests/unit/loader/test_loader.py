"""Loading workflow files in a child process."""

from __future__ import annotations

import pickle
import sys
import textwrap
from pathlib import Path

import pytest

from aiflow.evaluator.child import evaluate
from aiflow.loader.errors import WorkflowFileError
from aiflow.loader.loader import load_workflow_file
from aiflow.model.action import TaskAction
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.periodic import PeriodicKind
from aiflow.model.status import TaskStatus
from aiflow.plan import CustomCondition, WorkflowPlan
from notification.event import Event

FULL_FILE = '''
from typing import List

from notification_service.model.event import Event
from ai_flow.model.action import TaskAction
from ai_flow.model.condition import Condition
from ai_flow.model.context import Context
from ai_flow.model.state import ValueState, ValueStateDescriptor
from ai_flow.model.status import TaskStatus
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient, ListenerProcessor, Event
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator

NOTIFICATION_SERVER_URI = "localhost:50052"
THRESHOLD = 100


class NumCondition(Condition):
    def is_met(self, event: Event, context: Context) -> bool:
        state: ValueState = context.get_state(ValueStateDescriptor(name="num_state"))
        num = 0 if state.value() is None else int(state.value())
        num += int(event.value)
        if num >= THRESHOLD:
            return True
        state.update(num)
        return False


class ModelLoader(ListenerProcessor):
    def __init__(self):
        self.current_model = None

    def process(self, events: List[Event]):
        for e in events:
            self.current_model = e.value


def replay(values):
    loader = ModelLoader()
    loader.process([Event(key="model_deployed", value=v) for v in values])
    return loader.current_model


def deploy():
    client = AIFlowNotificationClient(NOTIFICATION_SERVER_URI)
    try:
        client.send_event(key="model_deployed", value="/models/1")
    finally:
        client.close()


with Workflow(name="main", namespace="ns") as w1:
    t1 = BashOperator(name="t1", bash_command="echo 1", periodic_expression="cron@*/5 * * * *")
    t2 = BashOperator(name="t2", bash_command="echo 2", retries=2, queue="io")
    t3 = PythonOperator(name="t3", python_callable=replay, op_args=[["/m/1", "/m/2"]])
    t4 = BashOperator(name="t4", bash_command="sleep 100")
    t5 = PythonOperator(name="t5", python_callable=deploy)
    t3.start_after([t1, t2])
    t4.action_on_task_status(TaskAction.STOP, {t1: TaskStatus.SUCCESS, t2: TaskStatus.SUCCESS})
    t5.action_on_event_received(action=TaskAction.START, event_key="go")
    t5.action_on_condition(
        action=TaskAction.RESTART, condition=NumCondition(expect_event_keys=["num_event"])
    )

with Workflow(name="second") as w2:
    BashOperator(name="tick", bash_command="date", periodic_expression="interval@0 0 1 0")

alias = w1
'''


def write(tmp_path: Path, source: str, name: str = "workflow.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return path


def rule_summary(plan: WorkflowPlan) -> dict[str, list[tuple[TaskAction, str, list[str]]]]:
    """Each task's rules as (action, condition kind, expected event keys), in declaration order."""
    return {
        name: [(r.action, type(r.condition).__name__, list(r.condition.expect_event_keys))
               for r in plan.task_rules(name)]
        for name in plan.tasks
    }


def test_full_file_yields_exactly_the_declared_tasks_and_rules(tmp_path):
    main, second = load_workflow_file(write(tmp_path, FULL_FILE))

    assert (main.name, main.namespace, main.task_names) == ("main", "ns", ("t1", "t2", "t3", "t4", "t5"))
    assert (second.name, second.namespace, second.task_names) == ("second", "default", ("tick",))
    plan, second_plan = WorkflowPlan.from_dict(main.plan), WorkflowPlan.from_dict(second.plan)
    upstream_keys = [task_status_event_key("t1"), task_status_event_key("t2")]
    assert rule_summary(plan) == {
        "t1": [],
        "t2": [],
        "t3": [(TaskAction.START, "StatusCondition", upstream_keys)],
        "t4": [(TaskAction.STOP, "StatusCondition", upstream_keys)],
        "t5": [
            (TaskAction.START, "EventCondition", ["go"]),
            (TaskAction.RESTART, "CustomCondition", ["num_event"]),
        ],
    }
    assert rule_summary(second_plan) == {"tick": []}
    assert plan.initial_task_names() == ["t1", "t2", "t4"]
    assert str(plan.tasks["t1"].periodic) == "cron@*/5 * * * *"
    assert (plan.tasks["t2"].retries, plan.tasks["t2"].queue) == (2, "io")
    assert second_plan.tasks["tick"].periodic.kind is PeriodicKind.INTERVAL

    stop_condition = plan.task_rules("t4")[0].condition
    assert stop_condition.is_met({"t1": TaskStatus.SUCCESS, "t2": TaskStatus.SUCCESS})
    assert not stop_condition.is_met({"t1": TaskStatus.SUCCESS})


def test_a_custom_condition_of_the_file_works_where_the_file_cannot_be_imported(tmp_path):
    plan = WorkflowPlan.from_dict(load_workflow_file(write(tmp_path, FULL_FILE))[0].plan)
    assert str(tmp_path) not in sys.path
    condition = plan.task_rules("t5")[1].condition
    assert isinstance(condition, CustomCondition) and condition.label.startswith("NumCondition(")

    met, state = evaluate(condition.code, Event(key="num_event", value="70"), {}, None)
    assert not met and pickle.loads(state) == {"num_state": 70}
    met, _ = evaluate(condition.code, Event(key="num_event", value="40"), {}, state)
    assert met


MALFORMED = {
    "syntax error": ("""
        from ai_flow.model.workflow import Workflow
        with Workflow(name="w") as w:
            x = (1,  # <-
        """, "SyntaxError"),
    "import error": ("""
        import no_such_module_for_aiflow  # <-
        """, "ModuleNotFoundError: No module named 'no_such_module_for_aiflow'"),
    "no workflow": ("""
        X = 1
        """, "declares no Workflow"),
    "duplicate task names": ("""
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        with Workflow(name="w"):
            BashOperator(name="a", bash_command="true")
            BashOperator(name="a", bash_command="true")  # <-
        """, "already has a task named 'a'"),
    "rule on another workflow's task": ("""
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        with Workflow(name="one"):
            a = BashOperator(name="a", bash_command="true")
        with Workflow(name="two"):
            b = BashOperator(name="b", bash_command="true")
            b.start_after(a)  # <-
        """, "belongs to workflow 'one'"),
    "rule naming an unknown task": ("""
        from ai_flow.model.action import TaskAction
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        with Workflow(name="w") as w:
            b = BashOperator(name="b", bash_command="true")
            b.action_on_task_status(TaskAction.START, {"ghost": "SUCCESS"})  # <-
        """, "depends on task 'ghost'"),
    "bad cron": ("""
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        with Workflow(name="w"):
            BashOperator(name="a", bash_command="true", periodic_expression="cron@61 * * * *")  # <-
        """, "Invalid cron expression 'cron@61 \\* \\* \\* \\*'"),
    "short interval": ("""
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        with Workflow(name="w"):
            BashOperator(name="a", bash_command="true", periodic_expression="interval@1 2")  # <-
        """, "expected 4 fields \\(days hours minutes seconds\\), got 2"),
    "unpicklable condition": ("""
        import threading
        from ai_flow.model.action import TaskAction
        from ai_flow.model.condition import Condition
        from ai_flow.model.workflow import Workflow
        from ai_flow.operators.bash import BashOperator
        class Locked(Condition):
            def __init__(self):
                super().__init__(["k"])
                self.lock = threading.Lock()
            def is_met(self, event, context):
                return True
        with Workflow(name="w") as w:
            BashOperator(name="t", bash_command="echo").action_on_condition(TaskAction.START, Locked())  # <-
        """, "A rule of task 't': condition Locked.* cannot be serialized: .*lock"),
    "exit at import": ("""
        import sys
        sys.exit(3)  # <-
        """, "SystemExit: 3"),
    "killed at import": ("""
        import os, signal
        os.kill(os.getpid(), signal.SIGKILL)
        """, "The loader process ended with signal SIGKILL: no output"),
    "never finishes": ("""
        import time
        while True:
            time.sleep(0.01)  # <-
        """, "did not finish within 1 seconds"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_give_one_error_with_file_and_line(tmp_path, case):
    source, message = MALFORMED[case]
    path = write(tmp_path, source)
    lines = path.read_text().splitlines()
    marked = [number for number, text in enumerate(lines, 1) if text.endswith("# <-")]

    with pytest.raises(WorkflowFileError, match=message) as info:
        load_workflow_file(path, timeout=1)

    assert info.value.file == str(path)
    assert info.value.line == (marked[0] if marked else None)
    assert str(info.value).startswith(f"{path}")


def test_missing_file(tmp_path):
    with pytest.raises(WorkflowFileError, match="No such workflow file"):
        load_workflow_file(tmp_path / "absent.py")


def test_output_of_the_file_does_not_disturb_loading(tmp_path):
    path = write(tmp_path, """
        import os
        from ai_flow.model.workflow import Workflow
        print("chatty", flush=True)
        os.write(1, b"raw")
        w = Workflow(name="quiet")
        """)
    [loaded] = load_workflow_file(path)
    assert loaded.name == "quiet"


WRITES_NEXT_TO_ITSELF = """
    import os
    from ai_flow.model.workflow import Workflow
    with open(os.path.join(os.path.dirname(__file__), "cache.txt"), "w") as cache:
        cache.write("warm")
    w = Workflow(name="writer")
    """


def test_a_file_writes_next_to_itself_only_in_a_writable_folder(tmp_path):
    folder = tmp_path / "package"
    folder.mkdir()
    path = write(folder, WRITES_NEXT_TO_ITSELF)

    with pytest.raises(WorkflowFileError, match="PermissionError: .*Permission denied"):
        load_workflow_file(path)
    [loaded] = load_workflow_file(path, writable_folder=True)

    assert loaded.name == "writer"
    assert (folder / "cache.txt").read_text() == "warm"


def test_a_file_sees_its_folder_but_nothing_around_it(tmp_path):
    folder = tmp_path / "package"
    folder.mkdir()
    (tmp_path / "beside.txt").write_text("private")
    (folder / "data.txt").write_text("shipped")
    path = write(folder, """
        import os
        from ai_flow.model.workflow import Workflow
        here = os.path.dirname(__file__)
        assert open(os.path.join(here, "data.txt")).read() == "shipped"
        open(os.path.join(here, "..", "beside.txt")).read()
        """)

    with pytest.raises(WorkflowFileError, match="PermissionError") as info:
        load_workflow_file(path)
    assert info.value.line == 6


def test_a_file_scribbling_on_the_result_gets_an_error_not_a_crash(tmp_path):
    path = write(tmp_path, """
        import os
        from ai_flow.model.workflow import Workflow
        for fd in range(3, 20):
            try:
                os.write(fd, b"garbage")
            except OSError:
                pass
        w = Workflow(name="scribbler")
        """)

    with pytest.raises(WorkflowFileError, match="The loader process wrote an unreadable result"):
        load_workflow_file(path)
