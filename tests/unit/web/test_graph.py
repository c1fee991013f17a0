"""The workflow graph's layout: layers by longest path, edges per rule, event nodes, cycles."""

from __future__ import annotations

from aiflow.model.action import TaskAction
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus
from aiflow.plan import EventCondition, RulePlan, StatusCondition, TaskPlan, WorkflowPlan
from aiflow.plan.conditions import StatusRequirement
from web.ui.graph import LAYER_GAP, MARGIN, NODE_WIDTH, plan_graph


def after(*tasks: str, action: TaskAction = TaskAction.START) -> RulePlan:
    return RulePlan(action, StatusCondition(tuple(StatusRequirement(t, TaskStatus.SUCCESS) for t in tasks)))


def plan(tasks: list[str], rules: dict[str, tuple[RulePlan, ...]]) -> WorkflowPlan:
    return WorkflowPlan("wf", "default", {name: TaskPlan(name) for name in tasks}, rules)


def column(x: int) -> int:
    return (x - MARGIN) // (NODE_WIDTH + LAYER_GAP)


def test_a_task_sits_one_layer_after_its_furthest_upstream() -> None:
    graph = plan_graph(plan(["a", "b", "c", "d"], {"b": (after("a"),), "c": (after("b"),), "d": (after("a", "c"),)}))
    layers = {node.label: column(node.x) for node in graph.nodes}
    assert layers == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert sorted((edge.source, edge.target) for edge in graph.edges) == [
        ("node-a", "node-b"), ("node-a", "node-d"), ("node-b", "node-c"), ("node-c", "node-d")]
    assert all(edge.label.startswith("START: task statuses") for edge in graph.edges)


def test_events_a_rule_waits_for_are_nodes_and_task_status_keys_are_edges_from_the_task() -> None:
    rules = {"b": (RulePlan(TaskAction.RESTART, EventCondition(("model_ready", task_status_event_key("a")))),)}
    graph = plan_graph(plan(["a", "b"], rules))
    kinds = {node.id: node.kind for node in graph.nodes}
    assert kinds == {"node-a": "task", "node-b": "task", "event-model_ready": "event"}
    assert {edge.source for edge in graph.edges} == {"node-a", "event-model_ready"}
    assert all(edge.label.startswith("RESTART") for edge in graph.edges)


def test_a_restart_loop_is_laid_out_without_recursion_or_hanging() -> None:
    names = [f"t{i}" for i in range(2000)]
    rules = {name: (after(names[i - 1]),) for i, name in enumerate(names) if i}
    rules["t0"] = (after("t1999", action=TaskAction.RESTART),)
    graph = plan_graph(plan(names, rules))
    assert len(graph.nodes) == 2000 and len(graph.edges) == 2000
    assert len({(node.x, node.y) for node in graph.nodes}) == 2000  # no two nodes overlap
    assert graph.width >= max(node.x for node in graph.nodes) + NODE_WIDTH
