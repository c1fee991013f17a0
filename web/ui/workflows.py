"""The workflows of a namespace, and one workflow's page: its graph, snapshot, schedules, triggers, runs."""

from __future__ import annotations

from flask import Blueprint, render_template

from aiflow.metadata.queries.namespaces import get_namespace
from aiflow.metadata.queries.overview import namespace_executions, summarise, workflow_summaries
from aiflow.metadata.queries.workflows import get_snapshot
from aiflow.plan import PlanError, WorkflowPlan
from web.access import workflow_named
from web.auth import require_namespace
from web.params import paging
from web.services import transaction
from web.ui.graph import plan_graph

bp = Blueprint("ui_workflows", __name__)


@bp.get("/namespaces/<namespace>/workflows")
def workflows(namespace: str) -> str:
    """Every workflow of the namespace, with enable/disable, start, pause/resume and an upload form."""
    require_namespace(namespace)
    limit, offset = paging()
    with transaction() as session:
        get_namespace(session, namespace)
        page = workflow_summaries(session, namespace, limit, offset)
        return render_template("workflows/list.html", namespace=namespace, page=page, limit=limit, offset=offset)


@bp.get("/namespaces/<namespace>/workflows/<name>/row")
def workflow_row(namespace: str, name: str) -> str:
    """One workflow's row of the list (what an action on it refreshes)."""
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        [summary] = summarise(session, [workflow])
        return render_template("workflows/row.html", namespace=namespace, summary=summary)


@bp.get("/namespaces/<namespace>/workflows/<name>")
def workflow(namespace: str, name: str) -> str:
    """A workflow: the graph of its current snapshot, its schedules and triggers, its latest executions."""
    with transaction() as session:
        found = workflow_named(session, namespace, name)
        snapshot = get_snapshot(session, found.snapshot_id) if found.snapshot_id is not None else None
        graph, plan_error = None, None
        if snapshot is not None:
            try:
                graph = plan_graph(WorkflowPlan.from_json(snapshot.plan))
            except PlanError as exc:
                plan_error = str(exc)
        [summary] = summarise(session, [found])
        recent = namespace_executions(session, namespace, 20, 0, workflow_name=name)
        return render_template("workflows/workflow.html", namespace=namespace, summary=summary, snapshot=snapshot,
                               graph=graph, plan_error=plan_error, recent=recent)
