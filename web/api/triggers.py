"""Workflow triggers: conditions (as plan JSON) that start executions of a workflow on events.

A trigger is added as ``{"condition": {...}}``, a condition in the plan format
(:mod:`aiflow.plan.conditions`). A custom condition (``"kind": "custom"``) carries its pickle,
which this server never loads: it is checked in a child process after authentication and the
namespace check, like an uploaded workflow file. Older clients' ``{"rule": base64 pickle}`` is
converted the same way.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Blueprint

from aiflow.commands import CommandKind
from aiflow.errors import InvalidInputError
from aiflow.loader.conditions import describe_pickled
from aiflow.metadata import WorkflowEventTrigger
from aiflow.plan import ConditionPlan, CustomCondition, condition_from_dict
from aiflow.sandbox.policy import SandboxPolicy, policy_from_config
from web.access import workflow_named
from web.api.attachments import AttachmentKind, add_attachment, add_routes
from web.params import json_body, string_field
from web.records import trigger_record
from web.services import services, transaction

bp = Blueprint("triggers", __name__)

TRIGGERS = AttachmentKind(
    WorkflowEventTrigger, "triggers", "workflow-triggers", "workflow trigger", trigger_record,
    CommandKind.TRIGGERS_CHANGED,
)
add_routes(bp, TRIGGERS)


@bp.post("/namespaces/<namespace>/workflows/<name>/triggers")
def add_trigger(namespace: str, name: str) -> tuple[dict[str, Any], int]:
    """Add a trigger: ``{"condition": {...}}`` (or, from older clients, ``{"rule": base64 pickle}``)."""
    body = json_body()
    with transaction() as session:
        workflow_named(session, namespace, name)  # the caller may use the namespace and the workflow exists
    condition = json.dumps(checked_condition(body).to_dict(), separators=(",", ":"))
    return add_attachment(TRIGGERS, namespace, name, condition=condition)


def checked_condition(body: dict[str, Any]) -> ConditionPlan:
    """Return the trigger condition ``body`` describes; pickles are only ever loaded in a child process."""
    if "rule" in body and "condition" not in body:
        return describe_pickled("rule", _base64(string_field(body, "rule") or "", "rule"), _policy())
    condition = condition_from_dict(body.get("condition"), "field 'condition'")
    if isinstance(condition, CustomCondition):
        checked = describe_pickled("code", condition.code, _policy())
        if set(checked.expect_event_keys) != set(condition.expect_event_keys):
            raise InvalidInputError(f"the condition expects {sorted(checked.expect_event_keys)}, "
                                    f"not {sorted(condition.expect_event_keys)} as declared")
        return checked
    return condition


def _policy() -> SandboxPolicy:
    return policy_from_config(services().config)


def _base64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError(f"field {field!r} must be base64") from None
