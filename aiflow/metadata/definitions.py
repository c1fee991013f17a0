"""Definitions the API server owns: namespaces, workflows and what is attached to a workflow.

Deleting a namespace deletes its workflows; deleting a workflow deletes its
snapshots, schedules, triggers, executions and rule state. The database does
the cascading (``ON DELETE CASCADE``), so bulk deletes and other processes
see the same behaviour as ORM deletes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from aiflow.metadata.base import Base
from aiflow.metadata.column_types import (
    NAME_LENGTH,
    NEVER_REUSED,
    Id,
    LongText,
    UTCDateTime,
    creation_time,
    parent_id,
    utcnow,
)

DEFAULT_NAMESPACE = "default"
"""The namespace ``aiflow db init`` creates and workflows land in unless told otherwise."""


class Namespace(Base):
    """A group of workflows sharing access control and event isolation."""

    __tablename__ = "namespace"

    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    properties: Mapped[str | None] = mapped_column(LongText, doc="A JSON object of user properties.")


class Workflow(Base):
    """A workflow uploaded into a namespace; its name is unique there."""

    __tablename__ = "workflow"
    __table_args__ = (UniqueConstraint("namespace", "name", name="uq_workflow_namespace_name"), NEVER_REUSED)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    namespace: Mapped[str] = mapped_column(
        String(NAME_LENGTH), ForeignKey("namespace.name", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    content: Mapped[str] = mapped_column(LongText, nullable=False, doc="Source of the workflow file.")
    description: Mapped[str | None] = mapped_column(LongText)
    is_enabled: Mapped[bool] = mapped_column(default=True, nullable=False)
    snapshot_id: Mapped[int | None] = mapped_column(
        Id, doc="The current snapshot: the one new executions run (revision 0002; no foreign key)."
    )
    create_time: Mapped[datetime] = creation_time()
    update_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class WorkflowSnapshot(Base):
    """One uploaded version of a workflow; executions run the snapshot they were created with."""

    __tablename__ = "workflow_snapshot"
    __table_args__ = (
        UniqueConstraint("workflow_id", "content_hash", name="uq_workflow_snapshot_workflow_id_hash"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workflow_id: Mapped[int] = parent_id("workflow.id", index=False)
    plan: Mapped[str | None] = mapped_column(
        LongText, doc="The workflow's scheduling description as JSON (aiflow.plan; revision 0005)."
    )
    uri: Mapped[str | None] = mapped_column(String(1024), doc="Where the workflow package is stored.")
    entry: Mapped[str | None] = mapped_column(
        String(1024), doc="The workflow file's path in the package, which workers execute (revision 0004)."
    )
    task_names: Mapped[list[str] | None] = mapped_column(JSON, doc="The workflow's task names (revision 0004).")
    content_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    create_time: Mapped[datetime] = creation_time()


class WorkflowSchedule(Base):
    """A periodic expression (``cron@...`` or ``interval@...``) that starts executions of a workflow."""

    __tablename__ = "workflow_schedule"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workflow_id: Mapped[int] = parent_id("workflow.id")
    expression: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    is_paused: Mapped[bool] = mapped_column(default=False, nullable=False)
    create_time: Mapped[datetime] = creation_time()
    last_due_time: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), doc="Due time of the last tick the scheduler applied."
    )
    error: Mapped[str | None] = mapped_column(
        LongText, doc="Why the scheduler took the schedule out of play; null while in play (revision 0005)."
    )


class WorkflowEventTrigger(Base):
    """A condition that starts an execution of a workflow when events meet it."""

    __tablename__ = "workflow_event_trigger"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workflow_id: Mapped[int] = parent_id("workflow.id")
    condition: Mapped[str | None] = mapped_column(
        LongText, doc="The condition as JSON (aiflow.plan.conditions; revision 0005)."
    )
    is_paused: Mapped[bool] = mapped_column(default=False, nullable=False)
    create_time: Mapped[datetime] = creation_time()
    error: Mapped[str | None] = mapped_column(
        LongText, doc="Why the scheduler took the trigger out of play; null while in play (revision 0005)."
    )
