"""What the tables enforce on every backend: uniqueness, cascading deletes, checks, UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.orm import Session

from aiflow.metadata import (
    DEFAULT_NAMESPACE,
    JobOutbox,
    Namespace,
    TaskExecution,
    Workflow,
    WorkflowEventTrigger,
    WorkflowExecution,
    WorkflowExecutionRuleState,
    WorkflowRuleState,
    WorkflowSchedule,
    WorkflowSnapshot,
    session_scope,
)

WORKFLOW_CHILDREN = (
    WorkflowSnapshot,
    WorkflowSchedule,
    WorkflowEventTrigger,
    WorkflowRuleState,
    WorkflowExecution,
    TaskExecution,
    WorkflowExecutionRuleState,
    JobOutbox,
)


def add_workflow_tree(session: Session, namespace: str, name: str = "etl") -> TaskExecution:
    """Add a workflow with one row in every table below it; return its task execution."""
    if session.get(Namespace, namespace) is None:
        session.add(Namespace(name=namespace))
    workflow = Workflow(namespace=namespace, name=name, content="# workflow source")
    session.add(workflow)
    session.flush()
    snapshot = WorkflowSnapshot(workflow_id=workflow.id, plan="{}", content_hash="abc")
    session.add_all([
        snapshot,
        WorkflowSchedule(workflow_id=workflow.id, expression="cron@*/5 * * * *"),
        WorkflowEventTrigger(workflow_id=workflow.id, condition="{}"),
        WorkflowRuleState(workflow_id=workflow.id, name="seen", value=b"1"),
    ])
    session.flush()
    execution = WorkflowExecution(
        workflow_id=workflow.id, snapshot_id=snapshot.id, execution_type="MANUAL", status="RUNNING", event_offset=7
    )
    session.add(execution)
    session.flush()
    task = TaskExecution(
        workflow_execution_id=execution.id, task_name="train", sequence_number=1, execution_type="MANUAL",
        status="QUEUED",
    )
    session.add_all([task, WorkflowExecutionRuleState(workflow_execution_id=execution.id, name="n", value=b"2")])
    session.flush()
    session.add(JobOutbox(kind="start", task_execution_id=task.id, try_number=1, queue="default", payload="{}"))
    return task


def row_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Workflow, *WORKFLOW_CHILDREN)
        }


def test_duplicate_task_sequence_number_is_rejected(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        task = add_workflow_tree(session, DEFAULT_NAMESPACE)
        key = {"workflow_execution_id": task.workflow_execution_id, "task_name": task.task_name}

    with session_scope(migrated_engine) as session:
        session.add(TaskExecution(**key, sequence_number=2, execution_type="MANUAL", status="INIT"))

    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        session.add(TaskExecution(**key, sequence_number=1, execution_type="MANUAL", status="INIT"))


def test_deleting_a_namespace_deletes_its_workflows_and_all_below(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        add_workflow_tree(session, "team")
        add_workflow_tree(session, DEFAULT_NAMESPACE)

    with session_scope(migrated_engine) as session:
        session.execute(delete(Namespace).where(Namespace.name == "team"))

    assert set(row_counts(migrated_engine).values()) == {1}


def test_deleting_a_workflow_deletes_all_below_it(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        add_workflow_tree(session, DEFAULT_NAMESPACE, name="etl")
        add_workflow_tree(session, DEFAULT_NAMESPACE, name="report")

    with session_scope(migrated_engine) as session:
        session.execute(delete(Workflow).where(Workflow.name == "etl"))

    assert set(row_counts(migrated_engine).values()) == {1}
    with session_scope(migrated_engine) as session:
        assert session.scalars(select(Workflow.name)).all() == ["report"]


def test_outbox_kind_must_be_start_or_stop(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        task_id = add_workflow_tree(session, DEFAULT_NAMESPACE).id

    with pytest.raises(DBAPIError, match="ck_job_outbox_kind"), session_scope(migrated_engine) as session:
        session.add(JobOutbox(kind="pause", task_execution_id=task_id, try_number=1, queue="q", payload="{}"))


def test_times_read_back_as_the_same_instant_in_utc(migrated_engine: Engine) -> None:
    begin = datetime(2024, 3, 1, 20, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(migrated_engine) as session:
        execution_id = add_workflow_tree(session, DEFAULT_NAMESPACE).workflow_execution_id
        session.get_one(WorkflowExecution, execution_id).begin_date = begin

    with session_scope(migrated_engine) as session:
        stored = session.get_one(WorkflowExecution, execution_id).begin_date

    assert stored == begin
    assert stored is not None and stored.tzinfo == UTC


def test_naive_datetimes_are_refused(migrated_engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(migrated_engine) as session:
        session.add(Namespace(name="team"))
        session.add(Workflow(namespace="team", name="etl", content="", create_time=datetime(2024, 1, 1)))
