"""``aiflow workflow-schedule``: the cron and interval schedules of a workflow."""

from __future__ import annotations

import click

from aiflow.cli.attachment_commands import AttachmentOps, add_attachment_commands
from aiflow.cli.base import AIFlowGroup
from aiflow.cli.resources import namespace_option
from aiflow.ops import workflow_schedule_ops as ops


@click.group("workflow-schedule", cls=AIFlowGroup)
def workflow_schedule() -> None:
    """Manage the periodic schedules of workflows."""


@workflow_schedule.command()
@namespace_option
@click.argument("workflow_name")
@click.argument("expression")
def add(workflow_name: str, expression: str, namespace: str) -> None:
    """Add a schedule to a workflow.

    EXPRESSION is 'cron@<minute> <hour> <day of month> <month> <day of week>'
    or 'interval@<days> <hours> <minutes> <seconds>'.
    """
    schedule = ops.add_workflow_schedule(expression, workflow_name, namespace)
    click.echo(f"Added workflow schedule {schedule.id} ({schedule.expression}) to {namespace}/{workflow_name}.")


add_attachment_commands(
    workflow_schedule,
    AttachmentOps(
        label="workflow schedule",
        get=ops.get_workflow_schedule,
        list=ops.list_workflow_schedules,
        pause=ops.pause_workflow_schedule,
        resume=ops.resume_workflow_schedule,
        delete=ops.delete_workflow_schedule,
        delete_all=ops.delete_workflow_schedules,
    ),
)
