"""The context an operator receives when a worker runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiflow.model.context import MappingContext

if TYPE_CHECKING:
    from aiflow.model.workflow import Workflow
    from aiflow.notification.notification_client import TaskRuntime


class TaskExecutionContext(MappingContext):
    """Names the running try and its workflow; state lives in memory for the length of the try.

    Durable state belongs to conditions, which the scheduler evaluates; an
    operator runs on a worker without the metadata database. The try's process
    is the operator's own (see :mod:`workers.runtime.child`).
    """

    dedicated_process = True

    def __init__(self, workflow: Workflow, runtime: TaskRuntime) -> None:
        super().__init__()
        self.workflow = workflow
        self.namespace = runtime.namespace
        self.task_name = runtime.task_name
        self.workflow_execution_id = runtime.workflow_execution_id
        self.task_execution_id = runtime.task_execution_id
        self.try_number = runtime.try_number
