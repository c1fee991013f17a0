"""Workflow triggers: pickled ``WorkflowRule`` objects that start executions on events."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import cloudpickle
from flask import Blueprint

from aiflow.commands import CommandKind
from aiflow.errors import InvalidInputError
from aiflow.metadata import WorkflowEventTrigger
from aiflow.model.rule import WorkflowRule
from web.access import workflow_named
from web.api.attachments import AttachmentKind, add_routes, attach
from web.params import json_body, string_field
from web.records import trigger_record
from web.services import transaction

bp = Blueprint("triggers", __name__)

TRIGGERS = AttachmentKind(
    WorkflowEventTrigger, "triggers", "workflow-triggers", "workflow trigger", trigger_record,
    CommandKind.TRIGGERS_CHANGED,
)
add_routes(bp, TRIGGERS)


@bp.post("/namespaces/<namespace>/workflows/<name>/triggers")
def add_trigger(namespace: str, name: str) -> tuple[dict[str, Any], int]:
    """Add a trigger: ``{"rule": base64 of a cloudpickled WorkflowRule}``."""
    rule = checked_rule(string_field(json_body(), "rule") or "")
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        record = attach(session, TRIGGERS, workflow, rule=rule)
    TRIGGERS.announce(workflow)
    return record, 201


def checked_rule(encoded: str) -> bytes:
    """Return the pickled rule in ``encoded`` after checking it unpickles to a ``WorkflowRule``."""
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInputError("field 'rule' must be base64") from None
    try:
        rule = cloudpickle.loads(data)
    except Exception as exc:  # any payload may fail to unpickle in its own way
        raise InvalidInputError(f"field 'rule' does not unpickle: {type(exc).__name__}: {exc}") from None
    if not isinstance(rule, WorkflowRule):
        raise InvalidInputError(f"field 'rule' must hold a WorkflowRule, got {type(rule).__name__}")
    return data
