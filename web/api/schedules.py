"""Workflow schedules: ``cron@...`` or ``interval@...`` expressions that start executions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from aiflow.commands import CommandKind
from aiflow.metadata import WorkflowSchedule
from aiflow.model.periodic import PeriodicExpression
from web.api.attachments import AttachmentKind, add_attachment, add_routes
from web.params import json_body, string_field
from web.records import schedule_record

bp = Blueprint("schedules", __name__)

SCHEDULES = AttachmentKind(
    WorkflowSchedule, "schedules", "workflow-schedules", "workflow schedule", schedule_record,
    CommandKind.SCHEDULES_CHANGED,
)
add_routes(bp, SCHEDULES)


@bp.post("/namespaces/<namespace>/workflows/<name>/schedules")
def add_schedule(namespace: str, name: str) -> tuple[dict[str, Any], int]:
    """Add a schedule: ``{"expression"}`` (400 when the expression does not parse or can never fire)."""
    expression = str(PeriodicExpression.parse(string_field(json_body(), "expression") or ""))
    return add_attachment(SCHEDULES, namespace, name, expression=expression)
