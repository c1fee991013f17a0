"""Workflow triggers: start an execution when events meet a :class:`WorkflowRule`.

The rule travels to the server cloudpickled (by value for what the caller's
script defines), so its condition may be a class of the caller's own.
"""

from __future__ import annotations

import base64

import cloudpickle

from aiflow.model.rule import WorkflowRule
from aiflow.ops.attachments import AttachmentApi
from aiflow.ops.meta import WorkflowEventTriggerMeta
from notification.event import DEFAULT_NAMESPACE

_TRIGGERS = AttachmentApi("triggers", "workflow-triggers", WorkflowEventTriggerMeta)


def encode_rule(rule: WorkflowRule) -> str:
    """Return ``rule`` cloudpickled and base64-encoded, as the server expects it."""
    return base64.b64encode(cloudpickle.dumps(rule)).decode("ascii")


def add_workflow_trigger(
    rule: WorkflowRule, workflow_name: str, namespace: str = DEFAULT_NAMESPACE
) -> WorkflowEventTriggerMeta:
    """Add a trigger to the workflow; return it.

    Raises:
        AIFlowException: no such workflow, the rule is refused, or the call failed.
    """
    return _TRIGGERS.add({"rule": encode_rule(rule)}, workflow_name, namespace)


def delete_workflow_trigger(trigger_id: int) -> None:
    """Delete the trigger."""
    _TRIGGERS.delete(trigger_id)


def delete_workflow_triggers(workflow_name: str, namespace: str = DEFAULT_NAMESPACE) -> None:
    """Delete every trigger of the workflow."""
    _TRIGGERS.delete_all(workflow_name, namespace)


def get_workflow_trigger(trigger_id: int) -> WorkflowEventTriggerMeta | None:
    """Return the trigger, or ``None`` when there is none."""
    return _TRIGGERS.get(trigger_id)


def list_workflow_triggers(
    workflow_name: str, namespace: str = DEFAULT_NAMESPACE, limit: int | None = None, offset: int | None = None
) -> list[WorkflowEventTriggerMeta] | None:
    """Return the workflow's triggers, or ``None`` when there is none."""
    return _TRIGGERS.list_all(workflow_name, namespace, limit, offset)


def pause_workflow_trigger(trigger_id: int) -> None:
    """Stop the trigger from starting executions until it is resumed."""
    _TRIGGERS.set_paused(trigger_id, True)


def resume_workflow_trigger(trigger_id: int) -> None:
    """Let a paused trigger start executions again."""
    _TRIGGERS.set_paused(trigger_id, False)
