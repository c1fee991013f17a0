"""Runs of workflows and of their tasks, and each task's timeline, written only by the scheduler.

Statuses, execution types and timeline steps are stored as the values of the ``str`` Enums in
:mod:`aiflow.model.status` and :mod:`aiflow.model.timeline`; the tables do not restrict them, so
adding one needs no migration.
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


EVENT_KEY_LENGTH = 1024
"""Most characters of an event's key a timeline step keeps (the bus's own bound, in bytes)."""

EVENT_VALUE_LENGTH = 256
"""Most characters of an event's value a timeline step keeps (longer ones end with an ellipsis)."""

CAUSE_LENGTH = 1000
"""Most characters of a step's cause."""


class TaskTimelineStep(Base):
    """One step of a task execution's timeline: what happened to which try, when, and why.

    Written in the transaction of the decision or report it records, with the event being applied
    (if any) and the cause in words. Ids grow in the order one scheduler committed the steps.
    """

    __tablename__ = "task_timeline"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    task_execution_id: Mapped[int] = parent_id("task_execution.id")
    try_number: Mapped[int] = mapped_column(Integer, nullable=False)
    step: Mapped[str] = mapped_column(String(16), nullable=False, doc="A value of aiflow.model.timeline.TimelineStep.")
    status: Mapped[str | None] = mapped_column(String(STATUS_LENGTH), doc="The task's status after the step.")
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    event_offset: Mapped[int | None] = mapped_column(BigInteger)
    event_key: Mapped[str | None] = mapped_column(String(EVENT_KEY_LENGTH))
    event_value: Mapped[str | None] = mapped_column(String(EVENT_VALUE_LENGTH))
    event_sender: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    cause: Mapped[str | None] = mapped_column(String(CAUSE_LENGTH))
    worker: Mapped[str | None] = mapped_column(String(NAME_LENGTH), doc="The worker that claimed the try (RUNNING).")
