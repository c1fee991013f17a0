"""Runs of workflows and of their tasks, written only by the scheduler.

Statuses and execution types are stored as the values of the ``str`` Enums in
:mod:`aiflow.model.status`; the tables do not restrict them, so adding a
status needs no migration.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from aiflow.metadata.base import Base
from aiflow.metadata.column_types import (
    NAME_LENGTH,
    NEVER_REUSED,
    STATUS_LENGTH,
    Id,
    LongText,
    UTCDateTime,
    parent_id,
    utcnow,
)


class WorkflowExecution(Base):
    """One run of a workflow, pinned to the snapshot it started with."""

    __tablename__ = "workflow_execution"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workflow_id: Mapped[int] = parent_id("workflow.id")
    snapshot_id: Mapped[int] = parent_id("workflow_snapshot.id")
    execution_type: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False, index=True)
    begin_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(LongText)
    event_offset: Mapped[int | None] = mapped_column(
        BigInteger, doc="Offset of the event whose processing created this execution."
    )
    stop_requested: Mapped[bool] = mapped_column(
        default=False, server_default=false(), nullable=False,
        doc="A stop command arrived; the execution ends STOPPED once no task is live.",
    )
    create_time: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), default=utcnow, doc="When the row was created (revision 0006; null for older rows)."
    )


class TaskExecution(Base):
    """One run of a task; a restart gets the next sequence number, a retry the next try number."""

    __tablename__ = "task_execution"
    __table_args__ = (
        UniqueConstraint(
            "workflow_execution_id", "task_name", "sequence_number", name="uq_task_execution_sequence"
        ),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    workflow_execution_id: Mapped[int] = parent_id("workflow_execution.id", index=False)
    task_name: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    sequence_number: Mapped[int] = mapped_column(Integer, nullable=False)
    try_number: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    execution_type: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False)
    status: Mapped[str] = mapped_column(String(STATUS_LENGTH), nullable=False, index=True)
    begin_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_date: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(LongText)
