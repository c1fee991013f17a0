"""The Python SDK: drive the AIFlow server over its REST API.

Every function of the upstream ``ai_flow.ops`` API, with the same names,
parameters and return types, grouped in one module per resource
(``namespace_ops``, ``workflow_ops``, ...) and re-exported here, plus
``token_ops`` (API tokens, which upstream did not have). The server
address and token come from ``aiflow_client.yaml`` (or ``AIFLOW_SERVER_ADDRESS``
and ``AIFLOW_TOKEN``); failures raise :class:`AIFlowException`.
"""

from __future__ import annotations

from aiflow.ops.errors import AIFlowException
from aiflow.ops.meta import (
    NamespaceMeta,
    NewTokenMeta,
    RejectedEventMeta,
    TaskExecutionMeta,
    TaskLogPage,
    TokenMeta,
    WorkflowEventTriggerMeta,
    WorkflowExecutionMeta,
    WorkflowMeta,
    WorkflowScheduleMeta,
    WorkflowSnapshotMeta,
)
from aiflow.ops.namespace_ops import (
    add_namespace,
    delete_namespace,
    get_namespace,
    list_namespace,
    update_namespace,
)
from aiflow.ops.rejected_event_ops import list_rejected_events
from aiflow.ops.task_execution_ops import (
    get_task_execution,
    get_task_execution_log,
    list_task_executions,
    start_task_execution,
    stop_task_execution,
    task_execution_log_lines,
)
from aiflow.ops.token_ops import add_token, list_tokens, revoke_token
from aiflow.ops.workflow_execution_ops import (
    delete_workflow_execution,
    get_workflow_execution,
    list_workflow_executions,
    start_workflow_execution,
    stop_workflow_execution,
    stop_workflow_executions,
)
from aiflow.ops.workflow_ops import (
    delete_workflow,
    disable_workflow,
    enable_workflow,
    get_workflow,
    list_workflows,
    upload_workflows,
)
from aiflow.ops.workflow_schedule_ops import (
    add_workflow_schedule,
    delete_workflow_schedule,
    delete_workflow_schedules,
    get_workflow_schedule,
    list_workflow_schedules,
    pause_workflow_schedule,
    resume_workflow_schedule,
)
from aiflow.ops.workflow_snapshot_ops import (
    delete_workflow_snapshot,
    delete_workflow_snapshots,
    get_workflow_snapshot,
    list_workflow_snapshots,
)
from aiflow.ops.workflow_trigger_ops import (
    add_workflow_trigger,
    delete_workflow_trigger,
    delete_workflow_triggers,
    get_workflow_trigger,
    list_workflow_triggers,
    pause_workflow_trigger,
    resume_workflow_trigger,
)

__all__ = [
    "AIFlowException",
    "NamespaceMeta",
    "NewTokenMeta",
    "RejectedEventMeta",
    "TaskExecutionMeta",
    "TaskLogPage",
    "TokenMeta",
    "WorkflowEventTriggerMeta",
    "WorkflowExecutionMeta",
    "WorkflowMeta",
    "WorkflowScheduleMeta",
    "WorkflowSnapshotMeta",
    "add_namespace",
    "add_token",
    "add_workflow_schedule",
    "add_workflow_trigger",
    "delete_namespace",
    "delete_workflow",
    "delete_workflow_execution",
    "delete_workflow_schedule",
    "delete_workflow_schedules",
    "delete_workflow_snapshot",
    "delete_workflow_snapshots",
    "delete_workflow_trigger",
    "delete_workflow_triggers",
    "disable_workflow",
    "enable_workflow",
    "get_namespace",
    "get_task_execution",
    "get_task_execution_log",
    "get_workflow",
    "get_workflow_execution",
    "get_workflow_schedule",
    "get_workflow_snapshot",
    "get_workflow_trigger",
    "list_namespace",
    "list_rejected_events",
    "list_task_executions",
    "list_tokens",
    "list_workflow_executions",
    "list_workflow_schedules",
    "list_workflow_snapshots",
    "list_workflow_triggers",
    "list_workflows",
    "pause_workflow_schedule",
    "pause_workflow_trigger",
    "resume_workflow_schedule",
    "resume_workflow_trigger",
    "revoke_token",
    "start_task_execution",
    "start_workflow_execution",
    "stop_task_execution",
    "stop_workflow_execution",
    "stop_workflow_executions",
    "task_execution_log_lines",
    "update_namespace",
    "upload_workflows",
]
