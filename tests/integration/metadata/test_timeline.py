"""Revision 0010 on every backend: task timelines, read per execution in one indexed query, deleted with it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from aiflow.metadata import (
    DEFAULT_NAMESPACE,
    JobOutbox,
    Namespace,
    TaskExecution,
    TaskTimelineStep,
    Workflow,
    migrate,
    session_scope,
)
from aiflow.metadata.queries.executions import delete_execution, fail_execution_rows, get_execution
from aiflow.metadata.queries.timeline import list_timeline
from aiflow.scheduler import outbox
from tests.integration.metadata.test_metadata_schema import add_workflow_tree


def add_steps(session: Session, task: TaskExecution, *steps: str) -> None:
    session.add_all([TaskTimelineStep(task_execution_id=task.id, try_number=1, step=step, at=datetime.now(UTC))
                     for step in steps])
    session.flush()


def second_task(session: Session, task: TaskExecution) -> TaskExecution:
    other = TaskExecution(workflow_execution_id=task.workflow_execution_id, task_name="serve", sequence_number=1,
                          execution_type="MANUAL", status="QUEUED")
    session.add(other)
    session.flush()
    return other


def test_the_steps_of_an_execution_come_in_order_with_their_task_names(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        train = add_workflow_tree(session, DEFAULT_NAMESPACE, "etl")
        serve = second_task(session, train)
        add_steps(session, train, "queued")
        add_steps(session, serve, "queued")
        add_steps(session, train, "start_sent", "status")
        add_steps(session, add_workflow_tree(session, DEFAULT_NAMESPACE, "other"), "queued")  # another execution
        execution_id = train.workflow_execution_id

    with session_scope(migrated_engine) as session:
        steps = [(step.step, name) for step, name in list_timeline(session, execution_id)]
        first_id = list_timeline(session, execution_id)[0][0].id
        after_first = [step.step for step, _ in list_timeline(session, execution_id, after_id=first_id)]
        of_serve = [step.step for step, _ in list_timeline(session, execution_id, task_names=["serve"])]

    assert steps == [("queued", "train"), ("queued", "serve"), ("start_sent", "train"), ("status", "train")]
    assert after_first == ["queued", "start_sent", "status"]
    assert of_serve == ["queued"]


def test_marking_jobs_sent_adds_one_step_per_job_once(migrated_engine: Engine) -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    with session_scope(migrated_engine) as session:
        task = add_workflow_tree(session, DEFAULT_NAMESPACE)  # with an unsent start job on queue "default"
        session.flush()
        stop = JobOutbox(kind="stop", task_execution_id=task.id, try_number=0, queue="q", payload="{}")
        session.add(stop)
        session.flush()
        jobs = [job.id for job in outbox.unsent_jobs(session)]

    with session_scope(migrated_engine) as session:
        outbox.mark_sent(session, jobs, now)
    with session_scope(migrated_engine) as session:
        outbox.mark_sent(session, jobs, now)  # again: no second step
        steps = [(s.step, s.status, s.try_number, s.at, s.cause)
                 for s, _ in list_timeline(session, task.workflow_execution_id)]

    assert steps == [("start_sent", "QUEUED", 1, now, "sent to queue default"),
                     ("stop_sent", None, 0, now, "carried out on Redis")]  # not the current try: no status


def test_failing_an_execution_by_its_rows_adds_a_step_per_live_task(migrated_engine: Engine) -> None:
    now = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    with session_scope(migrated_engine) as session:
        task = add_workflow_tree(session, DEFAULT_NAMESPACE)
        done = second_task(session, task)
        done.status = "SUCCESS"

    with session_scope(migrated_engine) as session:
        fail_execution_rows(session, task.workflow_execution_id, "x" * 2000, now)
    with session_scope(migrated_engine) as session:
        [(step, name)] = list_timeline(session, task.workflow_execution_id)

    assert (name, step.step, step.status, step.at, step.try_number) == ("train", "status", "FAILED", now, 1)
    assert step.cause == "x" * 999 + "\u2026"


def test_deleting_an_execution_deletes_its_timeline(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        task = add_workflow_tree(session, DEFAULT_NAMESPACE, "etl")
        add_steps(session, task, "status")
        kept = add_workflow_tree(session, DEFAULT_NAMESPACE, "report")
        add_steps(session, kept, "status")
        execution = get_execution(session, task.workflow_execution_id)
        execution.status = "SUCCESS"

    with session_scope(migrated_engine) as session:
        delete_execution(session, get_execution(session, task.workflow_execution_id))

    with session_scope(migrated_engine) as session:
        left = session.execute(select(TaskTimelineStep.task_execution_id, func.count())
                               .group_by(TaskTimelineStep.task_execution_id)).all()
    assert left == [(kept.id, 1)]


@pytest.mark.parametrize("deleted", [Namespace, Workflow])
def test_deleting_a_namespace_or_workflow_deletes_the_timelines_below(migrated_engine: Engine, deleted: type) -> None:
    with session_scope(migrated_engine) as session:
        add_steps(session, add_workflow_tree(session, "team", "etl"), "status")
        kept = add_workflow_tree(session, DEFAULT_NAMESPACE, "report")
        add_steps(session, kept, "status")

    with session_scope(migrated_engine) as session:
        column = Namespace.name if deleted is Namespace else Workflow.name
        session.execute(delete(deleted).where(column == ("team" if deleted is Namespace else "etl")))

    with session_scope(migrated_engine) as session:
        assert set(session.scalars(select(TaskTimelineStep.task_execution_id))) == {kept.id}


def test_the_query_uses_the_index_of_each_table(migrated_engine: Engine) -> None:
    if migrated_engine.dialect.name != "sqlite":
        pytest.skip("query plans are compared on SQLite, whose planner does not depend on table sizes")
    statements: list[tuple[str, object]] = []

    def record(connection: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        statements.append((statement, parameters))

    event.listen(migrated_engine, "before_cursor_execute", record)
    try:
        with session_scope(migrated_engine) as session:
            list_timeline(session, 1)
    finally:
        event.remove(migrated_engine, "before_cursor_execute", record)
    [(statement, parameters)] = [(sql, params) for sql, params in statements if "task_timeline" in sql]
    with migrated_engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()

    details = " | ".join(row[-1] for row in plan)
    assert "SEARCH task_execution USING COVERING INDEX" in details, details  # its unique (execution, task, sequence)
    assert "(workflow_execution_id=?)" in details, details
    assert "SEARCH task_timeline USING INDEX ix_task_timeline_task_execution_id" in details, details


def test_downgrade_from_0010_drops_only_the_timeline(migrated_engine: Engine) -> None:
    migrate.downgrade(migrated_engine, "0009")

    tables = set(inspect(migrated_engine).get_table_names())
    assert "task_timeline" not in tables and {"task_execution", "job_outbox"} <= tables

    migrate.upgrade(migrated_engine)
    assert "task_timeline" in inspect(migrated_engine).get_table_names()
