"""``aiflow workflow-trigger``: the event triggers of a workflow (added with the Python SDK)."""

from __future__ import annotations

import click

from aiflow.cli.attachment_commands import AttachmentOps, add_attachment_commands
from aiflow.cli.base import AIFlowGroup
from aiflow.ops import workflow_trigger_ops as ops


@click.group("workflow-trigger", cls=AIFlowGroup)
def workflow_trigger() -> None:
    """Manage the event triggers of workflows."""


add_attachment_commands(
    workflow_trigger,
    AttachmentOps(
        label="workflow trigger",
        get=ops.get_workflow_trigger,
        list=ops.list_workflow_triggers,
        pause=ops.pause_workflow_trigger,
        resume=ops.resume_workflow_trigger,
        delete=ops.delete_workflow_trigger,
        delete_all=ops.delete_workflow_triggers,
    ),
)
