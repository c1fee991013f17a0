"""Executions: a namespace's list (paged, filtered), and one execution's page, kept live.

The execution page shows the graph of the snapshot the execution pinned, each task's latest try and its
history, and the causality timeline the scheduler recorded (:mod:`aiflow.metadata.queries.timeline`).
While the execution runs, the page listens to :func:`execution_stream`: the scheduler announces each
committed batch on the bus's changes channel, and the stream sends the rows of the tasks whose timeline
moved since the last step the page has, so only what changed travels.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy.orm import Session

from aiflow.metadata.queries.namespaces import get_namespace
from aiflow.metadata.queries.overview import namespace_executions, task_histories
from aiflow.metadata.queries.timeline import list_timeline
from aiflow.metadata.queries.workflows import get_snapshot
from aiflow.model.status import WorkflowStatus
from aiflow.plan import PlanError, WorkflowPlan
from web.access import execution_with_id
from web.auth import require_namespace
from web.params import paging
from web.services import services, transaction
from web.ui import streams
from web.ui.graph import Graph, plan_graph, task_node_id

bp = Blueprint("ui_executions", __name__)


@bp.get("/namespaces/<namespace>/executions")
def executions(namespace: str) -> str:
    """The namespace's executions, newest first, filtered by ``status``, ``type`` and ``workflow``."""
    require_namespace(namespace)
    limit, offset = paging()
    filters = {name: request.args.get(name) or None for name in ("status", "type", "workflow")}
    with transaction() as session:
        get_namespace(session, namespace)
        recent = namespace_executions(session, namespace, limit, offset, status=filters["status"],
                                      execution_type=filters["type"], workflow_name=filters["workflow"])
        return render_template("executions/list.html", namespace=namespace, recent=recent, limit=limit,
                               offset=offset, filters=filters)


@bp.get("/executions/<id:execution_id>")
def execution(execution_id: int) -> str:
    """One execution: header, graph, tasks with their causes; live while it runs."""
    with transaction() as session:
        found, workflow = execution_with_id(session, execution_id)
        plan, graph, plan_error = _plan_and_graph(session, found.snapshot_id)
        histories = task_histories(session, execution_id)
        steps = list_timeline(session, execution_id)
        causes = _causes(steps)
        names = list(plan.tasks) if plan is not None else []
        names += [name for name in histories if name not in names]
        return render_template(
            "executions/execution.html", namespace=workflow.namespace, execution=found, workflow=workflow,
            graph=graph, plan_error=plan_error, names=names, histories=histories, causes=causes,
            statuses={name: history.latest.status for name, history in histories.items()},
            last_step=max((step.id for step, _ in steps), default=0),
            live=not WorkflowStatus(found.status).is_finished)


@bp.get("/executions/<id:execution_id>/tasks/<task_name>")
def task_detail(execution_id: int, task_name: str) -> str:
    """A task's sequences and the timeline of each (the fragment the page opens under the task's row)."""
    with transaction() as session:
        found, workflow = execution_with_id(session, execution_id)
        history = task_histories(session, execution_id, [task_name]).get(task_name)
        steps = list_timeline(session, execution_id, task_names=[task_name])
        return render_template("executions/task_detail.html", namespace=workflow.namespace, execution=found,
                               task_name=task_name, history=history, steps=steps)


@bp.get("/executions/<id:execution_id>/stream")
def execution_stream(execution_id: int) -> Any:
    """Server-sent events: the rows and graph nodes of tasks that changed, the header, then ``end``."""
    with transaction() as session:
        found, workflow = execution_with_id(session, execution_id)
        namespace, status = workflow.namespace, found.status
    subscription = services().bus.redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call, unused-ignore]
    subscription.subscribe(services().bus.keys.changes)
    state = {"after": streams.last_event_id(), "status": status, "first": True}

    def wait(timeout: float) -> Iterator[str]:
        if not state.pop("first", False) and not _announced(subscription, execution_id, timeout):
            return
        with transaction() as session:
            yield from _changes(session, execution_id, namespace, state)

    return streams.event_stream(wait, on_close=subscription.close)


def _announced(subscription: Any, execution_id: int, timeout: float) -> bool:
    """Wait up to ``timeout`` for an announcement naming the execution; drain the others."""
    message = subscription.get_message(timeout=timeout)
    while message is not None:
        try:
            if any(named[0] == execution_id for named in json.loads(message["data"])["executions"]):
                return True
        except (ValueError, KeyError, TypeError, IndexError):
            pass  # not an announcement this version makes
        message = subscription.get_message(timeout=0)
    return False


def _changes(session: Session, execution_id: int, namespace: str, state: dict[str, Any]) -> Iterator[str]:
    found, workflow = execution_with_id(session, execution_id)
    steps = list_timeline(session, execution_id, after_id=state["after"])
    if steps:
        names = list(dict.fromkeys(name for _, name in steps))
        histories = task_histories(session, execution_id, names)
        causes = _causes(list_timeline(session, execution_id, task_names=names))
        state["after"] = steps[-1][0].id
        rows = "".join(render_template("executions/task_row.html", namespace=namespace, execution=found,
                                       name=name, history=histories.get(name), cause=causes.get(name))
                       for name in names)
        yield streams.message("replace", rows, state["after"])
        yield streams.message("statuses", json.dumps({task_node_id(name): history.latest.status
                                                      for name, history in histories.items()}), state["after"])
    if found.status != state["status"]:
        state["status"] = found.status
        yield streams.message("replace", render_template("executions/header.html", namespace=namespace,
                                                         execution=found, workflow_name=workflow.name), state["after"])
    if WorkflowStatus(found.status).is_finished:
        yield streams.message("remove", ".task-actions button")  # nothing is left to start or stop
        yield streams.END


def _causes(steps: list[tuple[Any, str]]) -> dict[str, Any]:
    """The step that created each task's latest sequence (queued or retried), by task name."""
    causes: dict[str, Any] = {}
    for step, name in steps:
        if step.step in ("queued", "retried"):
            causes[name] = step
    return causes


def _plan_and_graph(session: Session, snapshot_id: int) -> tuple[WorkflowPlan | None, Graph | None, str | None]:
    try:
        return *_laid_out(snapshot_id, get_snapshot(session, snapshot_id).plan), None
    except PlanError as exc:
        return None, None, str(exc)


@lru_cache(maxsize=32)
def _laid_out(snapshot_id: int, plan_json: str | None) -> tuple[WorkflowPlan, Graph]:
    """A snapshot's plan and graph; a snapshot never changes, so its layout is made once per process."""
    plan = WorkflowPlan.from_json(plan_json)
    return plan, plan_graph(plan)
