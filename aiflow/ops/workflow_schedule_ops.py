"""Workflow schedules: start executions at ``cron@...`` or ``interval@...`` times.

``cron@<minute> <hour> <day of month> <month> <day of week>`` follows crontab;
``interval@<days> <hours> <minutes> <seconds>`` repeats from the moment the
schedule is added (``interval@0 1 0 0`` is hourly).
"""

from __future__ import annotations

from aiflow.ops.attachments import AttachmentApi
from aiflow.ops.meta import WorkflowScheduleMeta
from notification.event import DEFAULT_NAMESPACE

_SCHEDULES = AttachmentApi("schedules", "workflow-schedules", WorkflowScheduleMeta)


def add_workflow_schedule(
    expression: str, workflow_name: str, namespace: str = DEFAULT_NAMESPACE
) -> WorkflowScheduleMeta:
    """Add a schedule to the workflow; return it.

    Raises:
        AIFlowException: the expression does not parse, no such workflow, or the call failed.
    """
    return _SCHEDULES.add({"expression": expression}, workflow_name, namespace)


def delete_workflow_schedule(schedule_id: int) -> None:
    """Delete the schedule."""
    _SCHEDULES.delete(schedule_id)


def delete_workflow_schedules(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Delete every schedule of the workflow."""
    _SCHEDULES.delete_all(workflow_name, namespace)


def get_workflow_schedule(schedule_id: int) -> WorkflowScheduleMeta | None:
    """Return the schedule, or ``None`` when there is none."""
    return _SCHEDULES.get(schedule_id)


def list_workflow_schedules(
    workflow_name: str, namespace: str = DEFAULT_NAMESPACE, limit: int | None = None, offset: int | None = None
) -> list[WorkflowScheduleMeta] | None:
    """Return the workflow's schedules, or ``None`` when there is none."""
    return _SCHEDULES.list_all(workflow_name, namespace, limit, offset)


def pause_workflow_schedule(schedule_id: int) -> None:
    """Stop the schedule from firing until it is resumed."""
    _SCHEDULES.set_paused(schedule_id, True)


def resume_workflow_schedule(schedule_id: int) -> None:
    """Let a paused schedule fire again."""
    _SCHEDULES.set_paused(schedule_id, False)
