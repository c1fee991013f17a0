"""What the scheduler commits with each event it applies: rule state, the checkpoint, the job outbox.

The scheduler writes all three in the transaction that applies an event, so
they never disagree after a crash:

* durable rule state holds the values conditions keep through
  ``context.get_state``: per workflow for event triggers, per workflow
  execution for task rules; each value is an opaque pickled blob under a name;
* the checkpoint holds the offset of the last applied event, so a replayed
  event at or below it changes nothing;
* the outbox holds the start/stop jobs the event caused; they are sent to
  Celery after the commit and marked sent then, so a crash in between sends
  them again and never loses one;
* rejected events are the events it could not apply, with the reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from aiflow.metadata.base import Base
from aiflow.metadata.column_types import (
    NAME_LENGTH,
    NEVER_REUSED,
    Id,
    LargeBlob,
    LongText,
    UTCDateTime,
    creation_time,
    parent_id,
    utcnow,
)


class WorkflowRuleState(Base):
    """A named state value of a workflow's event triggers."""

    __tablename__ = "workflow_rule_state"

    workflow_id: Mapped[int] = parent_id("workflow.id", primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    value: Mapped[bytes | None] = mapped_column(LargeBlob)


class WorkflowExecutionRuleState(Base):
    """A named state value of the task rules of one workflow execution."""

    __tablename__ = "workflow_execution_rule_state"

    workflow_execution_id: Mapped[int] = parent_id("workflow_execution.id", primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    value: Mapped[bytes | None] = mapped_column(LargeBlob)


class EventCheckpoint(Base):
    """The offset of the last event a named consumer (the scheduler) has applied."""

    __tablename__ = "event_checkpoint"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_applied_offset: Mapped[int] = mapped_column(BigInteger, nullable=False)
    fencing_token: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default=text("0"), nullable=False,
        doc="Lease token of the scheduler that committed last; older tokens may not commit.",
    )
    update_time: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


class PeriodicTaskTick(Base):
    """The due time of the last firing applied to one periodic task of a running execution."""

    __tablename__ = "periodic_task_tick"

    workflow_execution_id: Mapped[int] = parent_id("workflow_execution.id", primary_key=True)
    task_name: Mapped[str] = mapped_column(String(NAME_LENGTH), primary_key=True)
    last_due_time: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class JobOutbox(Base):
    """A start or stop job for one try of a task execution, waiting to be sent to its queue."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        CheckConstraint("kind IN ('start', 'stop')", name="kind"),
        Index("ix_job_outbox_unsent", "sent_time", "id"),
        NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    task_execution_id: Mapped[int] = parent_id("task_execution.id")
    try_number: Mapped[int] = mapped_column(Integer, nullable=False)
    queue: Mapped[str] = mapped_column(String(NAME_LENGTH), nullable=False)
    payload: Mapped[str] = mapped_column(LongText, nullable=False, doc="The job's arguments as a JSON object.")
    create_time: Mapped[datetime] = creation_time()
    sent_time: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RejectedEvent(Base):
    """An event the scheduler could not apply (undecodable, malformed, or failing), kept with why.

    The scheduler records it and goes on with the next event; users see it through the API.
    """

    __tablename__ = "rejected_event"

    event_offset: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    namespace: Mapped[str | None] = mapped_column(String(NAME_LENGTH), index=True)
    event_key: Mapped[str | None] = mapped_column(String(1024))
    error: Mapped[str] = mapped_column(LongText, nullable=False)
    create_time: Mapped[datetime] = creation_time()
