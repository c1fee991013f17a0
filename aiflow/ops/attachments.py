"""Calls shared by workflow schedules and triggers, which the server serves alike.

Both belong to a workflow, are listed and deleted under it, and are shown,
paused, resumed and deleted by id; :class:`AttachmentApi` makes those calls
for one kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiflow.ops.http import call, call_or_none, list_items, resource, workflow_resource
from aiflow.ops.meta import Meta

M = TypeVar("M", bound=Meta)


@dataclass(frozen=True)
class AttachmentApi(Generic[M]):
    """The calls for one kind of attachment: ``plural`` under a workflow, ``by_id`` on its own."""

    plural: str
    by_id: str
    meta: type[M]

    def add(self, body: dict[str, Any], workflow_name: str, namespace: str) -> M:
        """Attach a new one, described by ``body``, to the workflow; return it."""
        return self.meta.from_json(call("POST", workflow_resource(namespace, workflow_name, self.plural), json=body))

    def get(self, attachment_id: int) -> M | None:
        """Return one, or ``None`` when there is none."""
        return self.meta.from_optional_json(call_or_none("GET", resource(self.by_id, attachment_id)))

    def list_all(self, workflow_name: str, namespace: str, limit: int | None, offset: int | None) -> list[M] | None:
        """Return the workflow's, or ``None`` when there is none."""
        items = list_items(workflow_resource(namespace, workflow_name, self.plural), limit, offset)
        return self.meta.list_from_json(items)

    def set_paused(self, attachment_id: int, paused: bool) -> None:
        """Pause or resume one."""
        call("POST", resource(self.by_id, attachment_id, "pause" if paused else "resume"))

    def delete(self, attachment_id: int) -> None:
        """Delete one."""
        call("DELETE", resource(self.by_id, attachment_id))

    def delete_all(self, workflow_name: str, namespace: str) -> None:
        """Delete all of the workflow's."""
        call("DELETE", workflow_resource(namespace, workflow_name, self.plural))
