"""Routes shared by schedules and triggers: list, delete all, show, pause, resume, delete one.

Resuming also clears the error of one the scheduler took out of play, which puts it back.

Both are attached to a workflow and live the same way, so :func:`add_routes`
puts the same views on each blueprint, given the table, the URL names, the
JSON form and the command that tells the scheduler of a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from flask import Blueprint
from sqlalchemy.orm import Session

from aiflow.commands import Command, CommandKind
from aiflow.errors import TransientError
from aiflow.metadata import Workflow
from aiflow.metadata.queries import attachments as queries
from aiflow.metadata.queries.attachments import A
from web.access import owning_workflow, workflow_named
from web.params import page_json, paging
from web.services import announce, publish, transaction


@dataclass(frozen=True)
class AttachmentKind(Generic[A]):
    """How one kind of attachment appears in the API."""

    table: type[A]
    plural: str  # under a workflow: /namespaces/<ns>/workflows/<name>/<plural>
    resource: str  # by id: /<resource>/<id>
    label: str  # in messages: "workflow schedule 3"
    record: Callable[[A], dict[str, Any]]
    changed: CommandKind

    def announce(self, workflow: Workflow) -> None:
        """Tell the scheduler the workflow's attachments of this kind changed."""
        announce(Command(self.changed, workflow_id=workflow.id), workflow.namespace)

    def load(self, session: Session, attachment_id: int) -> tuple[A, Workflow]:
        """Return the attachment ``attachment_id`` and its workflow; 404 outside the caller's scope."""
        attachment = queries.get_attachment(session, self.table, attachment_id)
        workflow = owning_workflow(session, attachment.workflow_id, f"{self.label} {attachment_id}")
        return attachment, workflow


def add_routes(bp: Blueprint, kind: AttachmentKind[Any]) -> None:
    """Register the shared views of ``kind`` on ``bp``."""
    under_workflow = f"/namespaces/<namespace>/workflows/<name>/{kind.plural}"
    by_id = f"/{kind.resource}/<id:attachment_id>"

    def list_all(namespace: str, name: str) -> dict[str, Any]:
        limit, offset = paging()
        with transaction() as session:
            workflow = workflow_named(session, namespace, name)
            return page_json(queries.list_attachments(session, kind.table, workflow.id, limit, offset), kind.record)

    def delete_all(namespace: str, name: str) -> dict[str, Any]:
        with transaction() as session:
            workflow = workflow_named(session, namespace, name)
            deleted = queries.delete_attachments(session, kind.table, workflow.id)
        kind.announce(workflow)
        return {"deleted": deleted}

    def show(attachment_id: int) -> dict[str, Any]:
        with transaction() as session:
            return kind.record(kind.load(session, attachment_id)[0])

    def delete_one(attachment_id: int) -> tuple[str, int]:
        with transaction() as session:
            attachment, workflow = kind.load(session, attachment_id)
            session.delete(attachment)
        kind.announce(workflow)
        return "", 204

    def set_paused(attachment_id: int, paused: bool) -> dict[str, Any]:
        with transaction() as session:
            attachment, workflow = kind.load(session, attachment_id)
            attachment.is_paused = paused
            if not paused:
                attachment.error = None  # resuming puts one the scheduler took out of play back
            record = kind.record(attachment)
        kind.announce(workflow)
        return record

    bp.add_url_rule(under_workflow, "list", list_all, methods=["GET"])
    bp.add_url_rule(under_workflow, "delete_all", delete_all, methods=["DELETE"])
    bp.add_url_rule(by_id, "get", show, methods=["GET"])
    bp.add_url_rule(by_id, "delete", delete_one, methods=["DELETE"])
    bp.add_url_rule(f"{by_id}/pause", "pause", set_paused, methods=["POST"], defaults={"paused": True})
    bp.add_url_rule(f"{by_id}/resume", "resume", set_paused, methods=["POST"], defaults={"paused": False})


def attach(session: Session, kind: AttachmentKind[A], workflow: Workflow, **values: Any) -> dict[str, Any]:
    """Add an attachment of ``kind`` to ``workflow`` and return its JSON form."""
    attachment = kind.table(workflow_id=workflow.id, **values)
    session.add(attachment)
    session.flush()
    return kind.record(attachment)


def add_attachment(kind: AttachmentKind[Any], namespace: str, name: str, **values: Any) -> tuple[dict[str, Any], int]:
    """Add an attachment of ``kind`` to the workflow and tell the scheduler; answer 201 with its JSON form.

    Raises:
        TransientError: the scheduler could not be told; the new row was
            deleted again, so repeating the request adds it once (503).
    """
    with transaction() as session:
        workflow = workflow_named(session, namespace, name)
        record = attach(session, kind, workflow, **values)
    try:
        publish(Command(kind.changed, workflow_id=workflow.id), workflow.namespace)
    except TransientError as exc:
        with transaction() as session:
            session.delete(queries.get_attachment(session, kind.table, record["id"]))
        raise TransientError(f"the {kind.label} was not added: {exc}") from exc
    return record, 201
