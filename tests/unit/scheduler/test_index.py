"""The (namespace, key) index of running executions and triggers."""

from __future__ import annotations

from aiflow.loader.describe import describe_workflow
from aiflow.model.action import TaskAction
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.engine.index import RuleIndex


def test_events_reach_only_the_items_of_their_namespace_that_expect_the_key() -> None:
    index = RuleIndex()
    index.add(1, "ns1", ["a", "b"])
    index.add(2, "ns1", ["b"])
    index.add(3, "ns2", ["b"])

    assert index.expecting("ns1", "b") == [1, 2]
    assert index.expecting("ns2", "b") == [3]
    assert index.expecting("ns2", "a") == []
    assert index.expecting(None, "b") == []


def test_removing_and_replacing_items() -> None:
    index = RuleIndex()
    index.add(1, "ns", ["a"])
    index.add(1, "ns", ["c"])
    index.add(2, "ns", ["c"])
    index.remove(2)
    index.remove(99)

    assert index.expecting("ns", "a") == []
    assert index.expecting("ns", "c") == [1]
    assert 1 in index and 2 not in index and len(index) == 1
    assert index.namespace_of(1) == "ns" and index.namespace_of(2) is None


def test_expected_keys_cover_every_rule() -> None:
    with Workflow("w") as workflow:
        t1, t2 = BashOperator("t1", "echo"), BashOperator("t2", "echo")
        t2.start_after([t1])
        t2.action_on_event_received(TaskAction.RESTART, "again")

    assert describe_workflow(workflow).expected_keys() == {"aiflow.task_status:t1", "again"}
