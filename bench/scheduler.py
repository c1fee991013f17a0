"""Scheduler benchmark: events applied, task starts dispatched, and event-to-job latency.

It prints (a) events applied per second, (b) task starts and (b') restarts dispatched per second,
(c) the latency from an event sent to an idle scheduler to its Celery job on the broker, and (d)
what a custom condition costs per evaluation (in its sandboxed evaluator process) against a
built-in one.

Run: ``python bench/scheduler.py``. It starts a private Redis, uses a SQLite file in a temporary
folder, and runs the real scheduler loop (lease, applier, dispatcher) in a thread.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from harness import in_thread, private_redis
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from aiflow.clock import utcnow
from aiflow.commands import Command, CommandKind
from aiflow.config.server import ServerConfig
from aiflow.evaluator.process import evaluator_pool
from aiflow.loader.describe import describe_workflow
from aiflow.metadata import migrate
from aiflow.metadata.checkpoint import last_applied_offset
from aiflow.metadata.definitions import Workflow as WorkflowRow
from aiflow.metadata.definitions import WorkflowSnapshot
from aiflow.metadata.engine import create_engine
from aiflow.metadata.executions import WorkflowExecution
from aiflow.metadata.scheduler_state import JobOutbox
from aiflow.metadata.session import session_scope
from aiflow.model.action import TaskAction
from aiflow.model.condition import Condition
from aiflow.model.context import Context
from aiflow.model.execution_type import ExecutionType
from aiflow.model.internal.conditions import MeetAllEventCondition
from aiflow.model.state import ValueState, ValueStateDescriptor
from aiflow.model.status import WorkflowStatus
from aiflow.model.workflow import Workflow
from aiflow.operators.bash import BashOperator
from aiflow.scheduler.announce import Announcer
from aiflow.scheduler.apply import Applier
from aiflow.scheduler.lease import SchedulerLease
from aiflow.scheduler.loop import LoopSettings, SchedulerLoop
from aiflow.scheduler.main import job_sender
from aiflow.scheduler.outbox import Dispatcher
from aiflow.scheduler.plans import PlanCache
from notification.client import NotificationClient
from notification.event import Event

EXECUTIONS = 100


def restartable(name: str) -> Workflow:
    """A workflow whose one task restarts on each event keyed like the workflow's name."""
    with Workflow(name) as workflow:
        BashOperator("w", "echo").action_on_event_received(TaskAction.RESTART, name)
    return workflow


def create_executions(db: Engine, workflow: Workflow, count: int) -> list[int]:
    with session_scope(db) as session:
        row = WorkflowRow(namespace="default", name=workflow.name, content="# bench")
        session.add(row)
        session.flush()
        snapshot = WorkflowSnapshot(workflow_id=row.id, plan=describe_workflow(workflow).to_json(), content_hash="b")
        session.add(snapshot)
        session.flush()
        executions = [WorkflowExecution(workflow_id=row.id, snapshot_id=snapshot.id, status=WorkflowStatus.INIT.value,
                                        execution_type=ExecutionType.MANUAL.value) for _ in range(count)]
        session.add_all(executions)
        session.flush()
        return [e.id for e in executions]


class Rarely(Condition):
    """A custom condition that counts its events in durable state and is met on every 1000th."""

    def is_met(self, event: Event, context: Context) -> bool:
        state = context.get_state(ValueStateDescriptor("seen"))
        assert isinstance(state, ValueState)
        state.update((state.value() or 0) + 1)
        return bool(state.value() % 1000 == 0)


def counting(name: str, condition: Condition) -> Workflow:
    with Workflow(name) as workflow:
        BashOperator("w", "echo").action_on_condition(TaskAction.RESTART, condition)
    return workflow


def _poll(done: Callable[[], bool]) -> None:
    while not done():
        time.sleep(0.002)  # benchmark polling; the scheduler runs in another thread


class Bench:
    def __init__(self, db: Engine, bus: NotificationClient, redis_url: str) -> None:
        self.db, self.bus, self.redis_url = db, bus, redis_url
        self._sender = job_sender(ServerConfig(notification_server_uri=redis_url))
        self._evaluators = evaluator_pool(ServerConfig())

    def scheduler(self) -> AbstractContextManager[None]:
        """Run a fresh scheduler loop in a thread until the ``with`` block ends."""
        applier = Applier(self.db, utcnow, PlanCache(), self._evaluators)
        loop = SchedulerLoop(self.bus, SchedulerLease(self.bus.redis, 5000), applier,
                             Dispatcher(self.db, self._sender, self.bus), [], utcnow, LoopSettings(idle_wait_ms=100),
                             announcer=Announcer(self.bus))
        return in_thread(loop.run, "scheduler")

    def applied(self) -> int:
        with session_scope(self.db) as session:
            return last_applied_offset(session)

    def wait_applied(self, offset: int) -> None:
        _poll(lambda: self.applied() >= offset)

    def wait_idle(self) -> None:
        """Wait until the scheduler has applied every event on the log and marked every job sent."""
        _poll(lambda: self.applied() >= self.bus.latest_offset() and not self._unsent())

    def time_until_sent(self) -> float:
        """Run the scheduler on the events waiting in the log; return seconds until all their jobs are sent."""
        last = self.bus.latest_offset()
        started = time.perf_counter()
        with self.scheduler():
            _poll(lambda: self.applied() >= last and not self._unsent())
            return time.perf_counter() - started

    def _unsent(self) -> int:
        with session_scope(self.db) as session:
            return session.scalar(select(func.count()).select_from(JobOutbox).where(JobOutbox.sent_time.is_(None))) or 0

    def start_all(self, ids: list[int]) -> None:
        for execution_id in ids:
            self.bus.send_event(Command(CommandKind.START_WORKFLOW_EXECUTION, workflow_execution_id=execution_id)
                                .to_event("default"))

    def close(self) -> None:
        self._evaluators.close()
        self._sender.close()


def events_applied_per_second(bench: Bench, events: int) -> float:
    """(a) Apply ``events`` that no rule expects, with 100 running executions."""
    bench.start_all(create_executions(bench.db, restartable("idle"), EXECUTIONS))
    with bench.scheduler():
        bench.wait_applied(bench.bus.latest_offset())
    for i in range(events):
        bench.bus.send_event(Event(key="noise", value=str(i)))
    last = bench.bus.latest_offset()
    started = time.perf_counter()
    with bench.scheduler():
        bench.wait_applied(last)
        return events / (time.perf_counter() - started)


def starts_dispatched_per_second(bench: Bench, executions: int) -> float:
    """(b) Start ``executions`` one-task executions at once; time until every start job is sent."""
    bench.start_all(create_executions(bench.db, restartable("starts"), executions))
    return executions / bench.time_until_sent()


def restarts_dispatched_per_second(bench: Bench, rounds: int) -> float:
    """(b') Each ``go`` restarts the task of every running execution: a stop (on Redis) and a start job each."""
    bench.start_all(create_executions(bench.db, restartable("go"), EXECUTIONS))
    bench.time_until_sent()
    for _ in range(rounds):
        bench.bus.send_event(Event(key="go"))
    return rounds * EXECUTIONS / bench.time_until_sent()


def event_to_job_latency(bench: Bench, samples: int) -> list[float]:
    """(c) Send ``latency`` to one execution and time until its start job reaches the Celery queue.

    Each event is sent once the scheduler is idle: everything before it applied and every job
    marked sent. So a sample is the latency of one event, not the wait behind the last one's
    aftermath (its stop, and the STOPPED report of the try that never ran); (b') measures that.
    """
    target = create_executions(bench.db, restartable("latency"), 1)[0]
    bench.start_all([target])
    bench.time_until_sent()  # every earlier job is on the queue before it is emptied
    broker = bench.bus.redis
    broker.delete("aiflow")
    latencies = []
    with bench.scheduler():
        for _ in range(samples):
            bench.wait_idle()
            sent = time.perf_counter()
            bench.bus.send_event(Event(key="latency", context=f'{{"workflow_execution_id": {target}}}'))
            broker.brpop(["aiflow"], timeout=5)
            latencies.append((time.perf_counter() - sent) * 1000)  # the stop is carried out on Redis, not queued
    return sorted(latencies)


def seconds_per_evaluation(bench: Bench, condition: Condition, key: str, events: int, executions: int) -> float:
    """(d) Apply ``events`` that ``executions`` executions' condition expects; return seconds per evaluation."""
    bench.start_all(create_executions(bench.db, counting(key, condition), executions))
    with bench.scheduler():
        bench.wait_applied(bench.bus.latest_offset())  # started, and the evaluator process is up
        for i in range(events):
            bench.bus.send_event(Event(key=key, value=str(i)))
        started = time.perf_counter()
        bench.wait_applied(bench.bus.latest_offset())
        return (time.perf_counter() - started) / (events * executions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--starts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--evaluations", type=int, default=2000, help="events for (d), each to 10 executions")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, private_redis(Path(home) / "redis") as server:
        db = create_engine(f"sqlite:///{home}/aiflow.db")
        migrate.init(db)
        try:
            with NotificationClient(server.url) as bus:
                bench = Bench(db, bus, server.url)
                report(bench, args)
                bench.close()
        finally:
            db.dispose()


def report(bench: Bench, args: argparse.Namespace) -> None:
    rate = events_applied_per_second(bench, args.events)
    print(f"(a) events applied, {EXECUTIONS} running executions, no matching rule: {rate:,.0f} events/s")
    print(f"(b) task starts dispatched: {starts_dispatched_per_second(bench, args.starts):,.0f} starts/s "
          f"({args.starts} executions started at once)")
    print(f"(b') task restarts dispatched: {restarts_dispatched_per_second(bench, args.rounds):,.0f} restarts/s "
          f"({args.rounds} events x {EXECUTIONS} executions; each a stop and a start)")
    latencies = event_to_job_latency(bench, args.samples)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"(c) event -> Celery job enqueued: p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms "
          f"({len(latencies)} samples)")
    custom = seconds_per_evaluation(bench, Rarely(["custom"]), "custom", args.evaluations, 10)
    built_in = seconds_per_evaluation(bench, MeetAllEventCondition(["builtin", "never"]), "builtin",
                                      args.evaluations, 10)
    print(f"(d) one condition evaluation while applying events: custom (sandboxed process) {custom * 1e6:,.0f} us, "
          f"built-in {built_in * 1e6:,.1f} us ({args.evaluations} events x 10 executions each)")


if __name__ == "__main__":
    main()
