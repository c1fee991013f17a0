"""Workflow triggers: start an execution when events meet a :class:`WorkflowRule`.

The rule's condition travels to the server in the plan format (:mod:`aiflow.plan`). A condition
of the caller's own class goes pickled, by value for the caller's own modules, so that the server's
sandboxes can load it without them.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import cloudpickle

from aiflow.loader.describe import describe_condition
from aiflow.model.condition import Condition
from aiflow.model.rule import WorkflowRule
from aiflow.ops.attachments import AttachmentApi
from aiflow.ops.meta import WorkflowEventTriggerMeta
from notification.event import DEFAULT_NAMESPACE

_TRIGGERS = AttachmentApi("triggers", "workflow-triggers", WorkflowEventTriggerMeta)


def trigger_body(rule: WorkflowRule) -> dict[str, Any]:
    """Return the body that adds a trigger with ``rule``."""
    _pickle_by_value(rule.condition)
    return {"condition": describe_condition(rule.condition).to_dict()}


def _pickle_by_value(condition: Condition) -> None:
    """Pickle the condition's class by value when it comes from the caller's own code (not an installed package)."""
    module = sys.modules.get(type(condition).__module__)
    file = os.path.abspath(getattr(module, "__file__", None) or os.sep)
    own = type(condition).__module__.partition(".")[0] in ("aiflow", "ai_flow") or "site-packages" in file
    if module is not None and module.__name__ != "__main__" and not own:
        cloudpickle.register_pickle_by_value(module)


def add_workflow_trigger(
    rule: WorkflowRule, workflow_name: str, namespace: str = DEFAULT_NAMESPACE
) -> WorkflowEventTriggerMeta:
    """Add a trigger to the workflow; return it.

    Raises:
        AIFlowException: no such workflow, the rule is refused, or the call failed.
    """
    return _TRIGGERS.add(trigger_body(rule), workflow_name, namespace)


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
