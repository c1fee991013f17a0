"""Each task's timeline, written with the decisions on a real database, and the announcement of each batch."""

from __future__ import annotations

import json
import logging
from itertools import count

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.commands import Command, CommandKind
from aiflow.metadata.executions import TaskExecution, TaskTimelineStep
from aiflow.metadata.queries.timeline import list_timeline
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.status import TaskStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.announce import Announcer, Changes
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.outbox import OutboxJob
from aiflow.scheduler.plans import PlanCache
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.embedded import EmbeddedServer
from notification.event import Event
from tests.faults import TcpProxy
from tests.integration.scheduler.conftest import RunningScheduler, applied_offset, create_execution, send_command
from tests.support import wait_until
from tests.unit.scheduler.builders import in_process

S, R = TaskStatus.SUCCESS, TaskStatus.RUNNING


def quickstart(name: str = "quickstart") -> Workflow:
    with Workflow(name) as workflow:
        t1, t2 = BashOperator("t1", "echo 1"), BashOperator("t2", "echo 2")
        t3, t4 = BashOperator("t3", "echo 3"), BashOperator("t4", "echo 4")
        t3.start_after([t1, t2])
        t4.start_after([t3])
        BashOperator("t5", "echo 5").action_on_event_received(TaskAction.START, "go")
    return workflow


class Log:
    """Gives events the offsets the bus would, and applies them as the scheduler's loop does."""

    def __init__(self, db: Engine) -> None:
        self._db = db
        self._offsets = count(1)
        self.applier = Applier(db, utcnow, PlanCache(), in_process)
        self.applier.recover()
        self.applied: list[Event] = []
        self._sent: list[int] = []

    def apply(self, *events: Event) -> list[OutboxJob]:
        """Apply ``events`` in one batch, marking the jobs of the last batch sent in it."""
        for event in events:
            event.offset, event.create_time = next(self._offsets), 1_700_000_000_000
        jobs = self.applier.apply(list(events), self._sent)
        self._sent = [job.id for job in jobs]
        self.applied += events
        return jobs

    def report(self, execution_id: int, task: str, status: TaskStatus, worker: str | None = None) -> Event:
        with session_scope(self._db) as session:
            row = session.scalars(select(TaskExecution).where(TaskExecution.workflow_execution_id == execution_id,
                                                              TaskExecution.task_name == task)).one()
        return TaskStatusReport("default", execution_id, task, row.id, row.try_number, status,
                                worker=worker).to_event("aiflow.worker")


def start(execution_id: int) -> Event:
    return Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=execution_id).to_event("default")


def run_to_t4(log: Log, execution_id: int) -> Event:
    """Run t1, t2 and t3 to SUCCESS; return t3's SUCCESS event, which queues t4."""
    log.apply(start(execution_id))
    log.apply(*[log.report(execution_id, task, status) for task in ("t1", "t2") for status in (R, S)])
    log.apply(log.report(execution_id, "t3", R, worker="celery@a"))
    success = log.report(execution_id, "t3", S)
    log.apply(success)
    return success


def steps_of(db: Engine, execution_id: int, task: str) -> list[TaskTimelineStep]:
    with session_scope(db) as session:
        return [step for step, _ in list_timeline(session, execution_id, task_names=[task])]


def step_count(db: Engine) -> int:
    with session_scope(db) as session:
        return int(session.scalar(select(func.count()).select_from(TaskTimelineStep)) or 0)


def test_a_task_queued_by_a_rule_shows_the_event_and_rule_then_its_job_and_statuses(db: Engine) -> None:
    execution_id = create_execution(db, quickstart())
    log = Log(db)
    success = run_to_t4(log, execution_id)
    log.apply(log.report(execution_id, "t4", R, worker="celery@b"))  # marks t4's start job sent first
    log.apply(log.report(execution_id, "t4", S))

    steps = steps_of(db, execution_id, "t4")
    assert [(s.step, s.status, s.try_number, s.worker) for s in steps] == [
        ("queued", "QUEUED", 1, None), ("start_sent", "QUEUED", 1, None), ("status", "RUNNING", 1, "celery@b"),
        ("status", "SUCCESS", 1, None)]
    queued = steps[0]
    assert (queued.event_offset, queued.event_key, queued.event_value, queued.event_sender) == (
        success.offset, "aiflow.task_status:t3", "SUCCESS", "aiflow.worker")
    assert queued.cause == "rule 1 of task 't4': START when task statuses t3=SUCCESS"
    assert steps[1].cause == "sent to queue aiflow" and steps[1].event_offset is None
    assert steps[2].event_key == "aiflow.task_status:t4" and steps[3].event_offset == log.applied[-1].offset
    assert [s.id for s in steps] == sorted(s.id for s in steps)
    initial = steps_of(db, execution_id, "t1")[0]
    assert (initial.step, initial.cause, initial.event_key) == (
        "queued", "the execution started; 't1' has no START rule", "aiflow.command")


def test_replayed_events_and_jobs_marked_again_write_no_step_twice(db: Engine) -> None:
    execution_id = create_execution(db, quickstart())
    log = Log(db)
    run_to_t4(log, execution_id)
    written = step_count(db)
    sent = log.apply()  # marks t4's start job sent
    assert step_count(db) == written + 1 and sent == []

    log.applier.recover()
    log.applier.apply(log.applied, [])  # the whole log again, as after a crash before the checkpoint moved
    with session_scope(db) as session:
        marked = list(session.scalars(select(JobOutbox.id).where(JobOutbox.sent_time.is_not(None))))
    log.applier.apply([], marked)  # jobs marked sent again

    assert step_count(db) == written + 1


def test_a_long_value_and_sender_are_cut_to_their_columns(db: Engine) -> None:
    execution_id = create_execution(db, quickstart())
    log = Log(db)
    log.apply(start(execution_id))
    log.apply(Event(key="go", value="v" * 1000, sender="s" * 300))

    [queued] = steps_of(db, execution_id, "t5")
    assert queued.event_value == "v" * 255 + "\u2026" and queued.event_sender == "s" * 254 + "\u2026"
    assert queued.cause == "rule 1 of task 't5': START when any of events go"


def test_each_batch_tells_which_executions_it_changed_and_its_newest_step(db: Engine) -> None:
    changed, untouched = create_execution(db, quickstart()), create_execution(db, quickstart("other"))
    log = Log(db)
    log.applier.take_changes()
    log.apply(Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=untouched).to_event("default"))
    log.applier.take_changes()

    log.apply(start(changed), Event(key="unrelated"))
    changes = log.applier.take_changes()

    with session_scope(db) as session:
        newest = session.scalar(select(func.max(TaskTimelineStep.id)))
    assert changes == Changes({changed: "default"}, newest)
    log.apply(Event(key="unrelated"))
    assert not log.applier.take_changes()


def test_a_subscriber_hears_of_each_committed_batch_and_finds_its_rows(
    db: Engine, bus: NotificationClient, scheduler: RunningScheduler
) -> None:
    execution_id = create_execution(db, quickstart())
    subscriber = bus.redis.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(bus.keys.changes)
    try:
        wait_until(lambda: bus.redis.pubsub_numsub(bus.keys.changes)[0][1] == 1, message="the subscription")
        noise = bus.send_event(Event(key="unrelated"))
        wait_until(lambda: applied_offset(db) >= (noise.offset or 0), message="the noise to be applied")

        send_command(bus, CommandKind.START_WORKFLOW_EXECUTION, execution_id)
        first = json.loads(wait_until(lambda: subscriber.get_message(timeout=0.1), message="an announcement")["data"])
        with session_scope(db) as session:  # a new session, opened once the message arrived
            visible = [(step.step, name) for step, name in list_timeline(session, execution_id)
                       if step.id <= first["last_step"]]
        second = json.loads(wait_until(lambda: subscriber.get_message(timeout=0.1), message="the jobs marked")["data"])
    finally:
        subscriber.close()

    assert first["executions"] == [[execution_id, "default"]]  # the noise changed nothing: no message
    assert visible == [("queued", "t1"), ("queued", "t2")]
    assert second["executions"] == [[execution_id, "default"]] and second["last_step"] == first["last_step"] + 2


def test_an_announcement_that_cannot_be_published_is_only_logged(
    redis_server: EmbeddedServer, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiflow.scheduler.announce")
    with TcpProxy(redis_server.port) as proxy, NotificationClient(proxy.url(redis_url), retry_budget=0.2) as cut_off:
        proxy.cut()

        Announcer(cut_off).announce(Changes({1: "default"}, 3))

    assert "changes of 1 executions not announced" in caplog.text
