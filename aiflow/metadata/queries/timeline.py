"""The timeline of a workflow execution's tasks: each step the scheduler recorded, with its cause."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from aiflow.metadata.executions import TaskExecution, TaskTimelineStep

_STEPS = (
    select(TaskTimelineStep, TaskExecution.task_name)
    .join(TaskExecution, TaskExecution.id == TaskTimelineStep.task_execution_id)
    .where(TaskExecution.workflow_execution_id == bindparam("execution_id"),
           TaskTimelineStep.id > bindparam("after_id"))
    .order_by(TaskTimelineStep.id)
)
_STEPS_OF_TASKS = _STEPS.where(TaskExecution.task_name.in_(bindparam("task_names", expanding=True)))


def list_timeline(session: Session, workflow_execution_id: int, after_id: int = 0,
                  task_names: Sequence[str] | None = None) -> list[tuple[TaskTimelineStep, str]]:
    """Return the steps of a workflow execution's task executions after step ``after_id``, oldest first.

    Each comes with its task's name; ``task_names`` keeps only those tasks'. One query: the execution's
    task executions by their unique index, then their steps by theirs.
    """
    parameters: dict[str, object] = {"execution_id": workflow_execution_id, "after_id": after_id}
    if task_names is None:
        rows = session.execute(_STEPS, parameters)
    else:
        rows = session.execute(_STEPS_OF_TASKS, parameters | {"task_names": list(task_names)})
    return [(step, name) for step, name in rows]
