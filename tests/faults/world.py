"""What a fault test looks at around a running :class:`~tests.faults.stack.Stack`: the canary and the rest.

:class:`Canary` is a one-task workflow in namespace ``canary`` that a test starts after it
injected a fault: its execution must succeed within :data:`CANARY_DEADLINE_S` of the start
call. :class:`Rows` is what the database holds of executions, tasks, triggers and schedules,
so that a test can assert that a fault changed nothing that existed before it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from aiflow.metadata.checkpoint import last_applied_offset
from aiflow.metadata.definitions import WorkflowEventTrigger, WorkflowSchedule
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.session import session_scope
from tests.faults.stack import Api
from tests.support import wait_until

CANARY_DEADLINE_S = 5.0
"""How long after its start call the canary's execution must have succeeded."""
FINISHED = {"SUCCESS", "FAILED", "STOPPED"}

CANARY_SOURCE = """
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="canary") as workflow:
    BashOperator(name="chirp", bash_command="echo chirp")
"""


class Canary:
    """A quick workflow in a namespace of its own, whose executions must keep succeeding."""

    namespace = "canary"
    workflow = "canary"

    def __init__(self, api: Api) -> None:
        self._api = api
        api.ok("POST", "/namespaces", json={"name": self.namespace})
        response = api.upload(self.namespace, {"canary.py": CANARY_SOURCE})
        assert response.status_code == 201, response.text

    def sings(self) -> int:
        """Start an execution and assert it succeeds within :data:`CANARY_DEADLINE_S`; return its id."""
        began = time.monotonic()
        execution_id = self._api.start(self.namespace, self.workflow)
        status = wait_until(lambda: finished_status(self._api.execution(execution_id)),
                            timeout=CANARY_DEADLINE_S - (time.monotonic() - began), interval=0.05,
                            message=f"canary execution {execution_id} to finish")
        assert status == "SUCCESS", self._api.execution(execution_id)
        tasks = self._api.task_executions(execution_id)
        assert [(t["task_name"], t["status"], t["try_number"]) for t in tasks] == [("chirp", "SUCCESS", 1)]
        return execution_id


def finished_status(execution: dict[str, Any]) -> str | None:
    status = execution["status"]
    return str(status) if status in FINISHED else None


@dataclass(frozen=True)
class Rows:
    """The rows a fault must not change: executions, task executions, triggers, schedules (by id)."""

    executions: dict[int, tuple[Any, ...]]
    tasks: dict[int, tuple[Any, ...]]
    triggers: dict[int, tuple[Any, ...]]
    schedules: dict[int, tuple[Any, ...]]

    @classmethod
    def read(cls, engine: Engine) -> Rows:
        with session_scope(engine) as session:
            return cls(
                {row.id: (row.status, row.end_date, row.error) for row in session.scalars(select(WorkflowExecution))},
                {row.id: (row.status, row.try_number, row.end_date) for row in session.scalars(select(TaskExecution))},
                {row.id: (row.condition, row.is_paused, row.error)
                 for row in session.scalars(select(WorkflowEventTrigger))},
                {row.id: (row.expression, row.is_paused, row.error, row.last_due_time)
                 for row in session.scalars(select(WorkflowSchedule))},
            )

    def changed_since(self, before: Rows) -> list[str]:
        """Describe every row of ``before`` that is gone or different now."""
        changes = []
        for kind in ("executions", "tasks", "triggers", "schedules"):
            now, then = getattr(self, kind), getattr(before, kind)
            changes += [f"{kind} {row_id}: {old} -> {now.get(row_id)}" for row_id, old in then.items()
                        if now.get(row_id) != old]
        return changes

    def unfinished(self) -> list[int]:
        return [row_id for row_id, (status, _, _) in self.executions.items() if status not in FINISHED]


def applied_offset(engine: Engine) -> int:
    """The offset of the last event the scheduler applied."""
    with session_scope(engine) as session:
        return last_applied_offset(session)
