"""The metadata database: its tables, engines and sessions.

Schema migrations live in :mod:`aiflow.metadata.migrate`. Every function that
reads or writes takes an explicit engine or :class:`~sqlalchemy.orm.Session`;
nothing here opens a connection on import.
"""

from __future__ import annotations

from aiflow.metadata.base import Base
from aiflow.metadata.definitions import (
    DEFAULT_NAMESPACE,
    Namespace,
    Workflow,
    WorkflowEventTrigger,
    WorkflowSchedule,
    WorkflowSnapshot,
)
from aiflow.metadata.engine import create_engine, engine_from_config
from aiflow.metadata.executions import TaskExecution, TaskTimelineStep, WorkflowExecution
from aiflow.metadata.identity import StoreIdentity
from aiflow.metadata.scheduler_state import (
    EventCheckpoint,
    JobOutbox,
    PeriodicTaskTick,
    RejectedEvent,
    WorkflowExecutionRuleState,
    WorkflowRuleState,
)
from aiflow.metadata.session import session_scope
from aiflow.metadata.tokens import ApiToken
from aiflow.metadata.try_key import TryTokenKey

__all__ = [
    "ApiToken",
    "DEFAULT_NAMESPACE",
    "Base",
    "EventCheckpoint",
    "JobOutbox",
    "Namespace",
    "PeriodicTaskTick",
    "RejectedEvent",
    "StoreIdentity",
    "TaskExecution",
    "TaskTimelineStep",
    "TryTokenKey",
    "Workflow",
    "WorkflowEventTrigger",
    "WorkflowExecution",
    "WorkflowExecutionRuleState",
    "WorkflowRuleState",
    "WorkflowSchedule",
    "WorkflowSnapshot",
    "create_engine",
    "engine_from_config",
    "session_scope",
]
