"""The workflow graph of a plan, laid out in layers on the server and drawn as SVG by a template.

Tasks are nodes; each rule is an edge into its task, labelled with its action and condition: from the
tasks whose statuses it names (``start_after``, ``action_on_task_status``, task-status event keys), or
from an event node per key it waits for. A periodic task carries its expression. The layout is the
classic layered one: a node's layer is the longest path to it from a source, nodes in a layer are
ordered by the mean position of their predecessors, and edges are straight lines between layers;
linear in the size of the graph, so a 1,000-task workflow lays out in milliseconds without a
JavaScript library.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from aiflow.model.internal.events import task_name_of_status_event_key
from aiflow.plan import CustomCondition, EventCondition, RulePlan, StatusCondition, WorkflowPlan

NODE_WIDTH, NODE_HEIGHT = 150, 34
LAYER_GAP, ROW_GAP = 90, 16
MARGIN = 20


@dataclass(frozen=True)
class Node:
    """A task (``kind`` "task") or an event key a rule waits for ("event"), placed at ``x``, ``y``."""

    id: str
    label: str
    kind: str
    x: int
    y: int
    periodic: str | None = None


@dataclass(frozen=True)
class Edge:
    """A rule's edge from ``source`` to ``target`` (node ids), with its label and end points."""

    source: str
    target: str
    label: str
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int


def task_node_id(task_name: str) -> str:
    """The id of a task's node in the page (also what live updates address)."""
    return f"node-{task_name}"


def plan_graph(plan: WorkflowPlan) -> Graph:
    """Lay out ``plan``'s tasks and rules."""
    labels: dict[str, tuple[str, str]] = {}  # node id -> (label, kind)
    for name in plan.tasks:
        labels[task_node_id(name)] = (name, "task")
    links: list[tuple[str, str, str]] = []
    for task, rules in plan.rules.items():
        for rule in rules:
            for source in _sources(rule, plan, labels):
                links.append((source, task_node_id(task), f"{rule.action.value}: {rule.condition.describe()}"))
    positions, width, height = _layout(list(labels), [(source, target) for source, target, _ in links])
    nodes = [Node(node_id, label, kind, *positions[node_id],
                  periodic=_periodic(plan, label) if kind == "task" else None)
             for node_id, (label, kind) in labels.items()]
    edges = [Edge(source, target, label, positions[source][0] + NODE_WIDTH, positions[source][1] + NODE_HEIGHT // 2,
                  positions[target][0], positions[target][1] + NODE_HEIGHT // 2)
             for source, target, label in links]
    return Graph(nodes, edges, width, height)


def _sources(rule: RulePlan, plan: WorkflowPlan, labels: dict[str, tuple[str, str]]) -> list[str]:
    """The nodes a rule's edges come from; event nodes are added to ``labels`` as they are met."""
    condition = rule.condition
    if isinstance(condition, StatusCondition):
        return [task_node_id(requirement.task) for requirement in condition.requirements]
    keys = condition.keys if isinstance(condition, EventCondition) else condition.expect_event_keys
    assert isinstance(condition, EventCondition | CustomCondition)
    sources = []
    for key in keys:
        task = task_name_of_status_event_key(key)
        if task is not None and task in plan.tasks:
            sources.append(task_node_id(task))
        else:
            labels.setdefault(f"event-{key}", (key, "event"))
            sources.append(f"event-{key}")
    return sources


def _periodic(plan: WorkflowPlan, task_name: str) -> str | None:
    periodic = plan.tasks[task_name].periodic
    return str(periodic) if periodic is not None else None


def _layout(node_ids: list[str], links: list[tuple[str, str]]) -> tuple[dict[str, tuple[int, int]], int, int]:
    """Return each node's top-left corner and the drawing's size."""
    predecessors: dict[str, list[str]] = defaultdict(list)
    for source, target in links:
        if source != target:
            predecessors[target].append(source)
    layer = _layers(node_ids, predecessors)
    rows: dict[int, list[str]] = defaultdict(list)
    for node_id in node_ids:
        rows[layer[node_id]].append(node_id)
    position: dict[str, float] = {}
    for depth in sorted(rows):
        ordered = sorted(rows[depth], key=lambda node: _mean(position, predecessors[node], len(position)))
        for index, node_id in enumerate(ordered):
            position[node_id] = index
    corners = {node_id: (MARGIN + layer[node_id] * (NODE_WIDTH + LAYER_GAP),
                         MARGIN + int(position[node_id]) * (NODE_HEIGHT + ROW_GAP)) for node_id in node_ids}
    width = MARGIN * 2 + (max(rows, default=0) + 1) * (NODE_WIDTH + LAYER_GAP) - LAYER_GAP
    height = MARGIN * 2 + max((len(row) for row in rows.values()), default=1) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    return corners, width, height


def _layers(node_ids: list[str], predecessors: dict[str, list[str]]) -> dict[str, int]:
    """Longest path from a source; an edge closing a cycle (a restart loop) is ignored."""
    layer: dict[str, int] = {}
    visiting: set[str] = set()
    for start in node_ids:
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in layer:
                continue
            if expanded:
                visiting.discard(node)
                layer[node] = 1 + max((layer[p] for p in predecessors[node] if p in layer), default=-1)
                continue
            visiting.add(node)
            stack.append((node, True))
            stack.extend((p, False) for p in predecessors[node] if p not in layer and p not in visiting)
    return layer


def _mean(position: dict[str, float], nodes: list[str], default: int) -> float:
    placed = [position[node] for node in nodes if node in position]
    return sum(placed) / len(placed) if placed else default
