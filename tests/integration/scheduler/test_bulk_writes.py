"""Batches larger than one ``IN`` list: executions loaded, task executions and outbox rows written in bulk."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.commands import Command, CommandKind
from aiflow.metadata.executions import TaskExecution
from aiflow.metadata.session import IN_CHUNK, session_scope
from aiflow.model.action import TaskAction
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler import outbox
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.outbox import NewJob
from aiflow.scheduler.plans import PlanCache
from notification.event import Event
from tests.integration.scheduler.conftest import create_execution
from tests.unit.scheduler.builders import in_process

EXECUTIONS = IN_CHUNK + 20


def restarted_by_go(index: int) -> Workflow:
    with Workflow(f"bulk-{index}") as workflow:
        BashOperator("w", "echo").action_on_event_received(TaskAction.RESTART, "go")
    return workflow


def logged(events: list[Event], after: int = 0) -> list[Event]:
    """The events with the offsets the log would give them."""
    return [replace(event, offset=after + n) for n, event in enumerate(events, start=1)]


def test_one_batch_starts_and_restarts_more_executions_than_one_query_loads(db: Engine) -> None:
    ids = [create_execution(db, restarted_by_go(i)) for i in range(EXECUTIONS)]
    applier = Applier(db, utcnow, PlanCache(), in_process)
    applier.recover()
    starts = logged([Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=i).to_event("default")
                     for i in ids])

    started = applier.apply(starts)
    restarted = applier.apply(logged([Event(key="go"), Event(key="go")], after=len(starts)), [j.id for j in started])

    assert [json.loads(job.payload)["workflow_execution_id"] for job in started] == ids
    assert [job.kind for job in restarted] == ["stop", "start"] * EXECUTIONS * 2
    with session_scope(db) as session:
        runs = session.execute(select(TaskExecution.workflow_execution_id, TaskExecution.sequence_number,
                                      TaskExecution.status)).all()
        assert [job.id for job in outbox.unsent_jobs(session)] == [job.id for job in restarted]
    assert sorted(runs) == sorted((i, n, "STOPPED" if n < 3 else "QUEUED") for i in ids for n in (1, 2, 3))


@pytest.mark.parametrize("returning", [True, False], ids=["returning", "one-insert-per-job"])
def test_jobs_are_written_with_their_ids_in_order_and_marked_sent(
    db: Engine, monkeypatch: pytest.MonkeyPatch, returning: bool
) -> None:
    """MySQL has no RETURNING; its path must give the same ids in the same order."""
    monkeypatch.setattr(db.dialect, "insert_executemany_returning_sort_by_parameter_order", returning)
    execution_id = create_execution(db, restarted_by_go(0))
    with session_scope(db) as session:
        task = TaskExecution(workflow_execution_id=execution_id, task_name="w", sequence_number=1,
                             execution_type="MANUAL", status="QUEUED")
        session.add(task)
        session.flush()
        jobs = outbox.write_jobs(session, [NewJob("start", task.id, n, "q", f'{{"n": {n}}}') for n in range(3)])
        assert [json.loads(job.payload)["n"] for job in jobs] == [0, 1, 2]
        assert outbox.unsent_jobs(session) == jobs

        outbox.mark_sent(session, [jobs[0].id, jobs[2].id], utcnow())

        assert outbox.unsent_jobs(session) == [jobs[1]]
