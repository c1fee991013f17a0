"""End-to-end latency benchmark: a chain of no-op tasks, and event -> task body start.

Run: ``python bench/latency.py [--operator python|inline] [--chain-length 40] [--chain-runs 3]
[--events 200]``. It starts the whole system on this machine, on free ports in a temporary
folder: a private Redis, SQLite, the API server and the scheduler in threads of this process,
and a real ``celery -A workers worker`` process; it stops them all at the end.

* Chain: a workflow of ``--chain-length`` tasks whose body does nothing, each ``start_after``
  the one before; the wall time from ``ops.start_workflow_execution`` until the execution is
  SUCCESS in the database.
* Event latency: a task whose rule STARTs it on the event ``bench_go`` and whose body first
  writes ``time.time()`` to a file. Events are sent one at a time, each after the previous run
  has ended; latency is body start minus the time just before the send.

Tasks are PythonOperators by default (``python``), the tasks users write; on a worker they call
their function in the task's own process. ``inline`` is an operator defined in the workflow
file that does the same, without PythonOperator's code.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

from harness import free_port, in_thread, private_redis
from sqlalchemy import select
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from aiflow import ops
from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.metadata import migrate
from aiflow.metadata.engine import create_engine
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.session import session_scope
from aiflow.model.internal.events import task_status_event_key
from aiflow.model.status import TaskStatus, WorkflowStatus
from aiflow.scheduler.main import run_scheduler
from notification.client import NotificationClient
from notification.event import Event
from web import create_app

CHAIN_TARGET_S = 1.0
P50_TARGET_MS = 10.0
P99_TARGET_MS = 50.0
WORKER_CONCURRENCY = 2
POLL_S = 0.002
"""How often the bench looks at the marker file, or at the database once the awaited status event is out."""

OPERATORS = {
    "inline": '''
from ai_flow.model.operator import AIFlowOperator


class Inline(AIFlowOperator):
    """Calls its function in the task's own process, with no further fork: the cheapest task."""

    def __init__(self, name, fn):
        super().__init__(name)
        self.fn = fn

    def start(self, context):
        self.fn()


def task(name, fn):
    return Inline(name, fn)
''',
    "python": '''
from ai_flow.operators.python import PythonOperator


def task(name, fn):
    return PythonOperator(name=name, python_callable=fn)
''',
}
"""How each kind of task is declared: ``task(name, fn)`` makes a task whose body calls ``fn()``."""

CHAIN = '''
from ai_flow.model.workflow import Workflow


def nothing():
    pass


with Workflow(name="bench_chain") as workflow:
    previous = None
    for i in range({length}):
        current = task(f"t{{i}}", nothing)
        if previous is not None:
            current.start_after(previous)
        previous = current
'''

ON_EVENT = '''
import time

from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow


def record():
    started = time.time()
    with open({marker!r}, "a") as marker:
        marker.write(f"{{started!r}}\\n")


with Workflow(name="bench_event") as workflow:
    task("body", record).action_on_event_received(TaskAction.START, "bench_go")
    # Never starts: its rule waits for a user event, which keeps the execution running between events.
    task("keeper", record).action_on_event_received(TaskAction.START, "bench_never")
'''


def _wait(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_S)


def _configure(home: Path, redis_url: str) -> ServerConfig:
    """Point this process (and the worker it starts) at the private services, as ``aiflow_server.yaml`` would."""
    api_port = free_port()
    os.environ.update({
        "AIFLOW_HOME": str(home / "aiflow"),
        "NOTIFICATION_HOME": str(home / "redis"),
        "AIFLOW_METADATA_BACKEND_URI": f"sqlite:///{home / 'aiflow.db'}",
        "AIFLOW_NOTIFICATION_SERVER_URI": redis_url,
        "AIFLOW_REST_PORT": str(api_port),
        "AIFLOW_API_SERVER_ADDRESS": f"http://127.0.0.1:{api_port}",
        "AIFLOW_SERVER_ADDRESS": f"http://127.0.0.1:{api_port}",
        "AIFLOW_BLOB_STORE_URI": str(home / "blob"),
        "AIFLOW_LOG_DIR": str(home / "logs"),
        "AIFLOW_WORKER_WORK_DIR": str(home / "work"),
    })
    return load_server_config()


@contextmanager
def _api_server(config: ServerConfig, engine: Engine) -> Iterator[None]:
    with NotificationClient(config.notification_server_uri) as bus:
        server = make_server("127.0.0.1", config.rest_port, create_app(config, engine=engine, bus=bus))
        thread = threading.Thread(target=server.serve_forever, name="api-server")
        thread.start()
        try:
            yield
        finally:
            server.shutdown()
            thread.join()
            server.server_close()


@contextmanager
def _worker(log_file: Path) -> Iterator[None]:
    argv = [sys.executable, "-m", "celery", "-A", "workers", "worker", f"--concurrency={WORKER_CONCURRENCY}",
            "--queues=aiflow", "--loglevel=INFO", "--without-mingle", "--without-gossip"]
    with log_file.open("wb") as output:
        popen = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(lambda: "ready." in log_file.read_text() or popen.poll() is not None, 60, "the worker")
        if popen.poll() is not None:
            raise RuntimeError(f"the worker exited; see {log_file}")
        yield
    finally:
        _stop_group(popen)


def _stop_group(popen: subprocess.Popen[bytes]) -> None:
    """Warm-stop the worker, then kill its process group if it lingers."""
    if popen.poll() is None:
        os.killpg(popen.pid, signal.SIGTERM)
        try:
            popen.wait(15)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(popen.pid, signal.SIGKILL)  # whatever the pool left behind
    except ProcessLookupError:
        pass
    popen.wait()


@contextmanager
def stack(home: Path) -> Iterator[Engine]:
    """Run Redis, the API server, the scheduler and a worker; yield the metadata database."""
    with ExitStack() as services:
        redis_server = services.enter_context(private_redis(home / "redis"))
        config = _configure(home, redis_server.url)
        engine = create_engine(config.metadata_backend_uri)
        services.callback(engine.dispose)
        migrate.init(engine)
        services.enter_context(_api_server(config, engine))
        services.enter_context(in_thread(partial(run_scheduler, config), "scheduler"))
        services.enter_context(_worker(home / "worker.log"))
        yield engine


def execution_status(engine: Engine, execution_id: int) -> WorkflowStatus:
    with session_scope(engine) as session:
        status = session.scalar(select(WorkflowExecution.status).where(WorkflowExecution.id == execution_id))
        return WorkflowStatus(status)


def live_tasks(engine: Engine, execution_id: int, task_name: str) -> int:
    """Count the task's executions that have not ended yet."""
    with session_scope(engine) as session:
        statuses = session.scalars(select(TaskExecution.status).where(
            TaskExecution.workflow_execution_id == execution_id, TaskExecution.task_name == task_name))
        return sum(not TaskStatus(status).is_finished for status in statuses)


def wait_for_status_event(bus: NotificationClient, after: int, execution_id: int, task: str, status: TaskStatus) -> int:
    """Block until ``task`` of the execution reports ``status`` in an event after offset ``after``; return its offset.

    Reading the log blocks in Redis, so the bench takes no CPU from the scheduler thread meanwhile.
    """
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for event in bus.read_log(after, 100, 1000):
            after = event.offset or after
            if not isinstance(event, Event):
                continue  # an entry the bus did not write
            context = json.loads(event.context or "{}")
            if (event.key, event.value, context.get("workflow_execution_id")) == (
                    task_status_event_key(task), status.value, execution_id):
                return after
    raise TimeoutError(f"timed out waiting for {task} to report {status.value}")


def chain_seconds(
    engine: Engine, bus: NotificationClient, folder: Path, operator: str, length: int, runs: int
) -> list[float]:
    """Run the chain ``runs`` times; return each run's wall time."""
    (folder / "chain.py").write_text(OPERATORS[operator] + CHAIN.format(length=length))
    ops.upload_workflows(str(folder / "chain.py"))
    return [_run_chain(engine, bus, length) for _ in range(runs)]


def _run_chain(engine: Engine, bus: NotificationClient, length: int) -> float:
    after = bus.latest_offset()
    started = time.perf_counter()
    execution_id = ops.start_workflow_execution("bench_chain")
    wait_for_status_event(bus, after, execution_id, f"t{length - 1}", TaskStatus.SUCCESS)
    _wait(lambda: execution_status(engine, execution_id).is_finished, 30, "the chain to finish")
    elapsed = time.perf_counter() - started
    status = execution_status(engine, execution_id)
    if status != WorkflowStatus.SUCCESS:
        raise RuntimeError(f"the chain ended {status.value}")
    return elapsed


def event_latencies_ms(
    engine: Engine, bus: NotificationClient, folder: Path, operator: str, events: int
) -> list[float]:
    """Send ``events`` events one at a time; return each one's event -> task body start time."""
    marker = folder / "body-starts.txt"
    marker.touch()
    (folder / "on_event.py").write_text(OPERATORS[operator] + ON_EVENT.format(marker=str(marker)))
    ops.upload_workflows(str(folder / "on_event.py"))
    execution_id = ops.start_workflow_execution("bench_event")
    _wait(lambda: execution_status(engine, execution_id) == WorkflowStatus.RUNNING, 30, "the execution to run")
    latencies = [_event_to_body_ms(engine, bus, marker, execution_id, i) for i in range(events)]
    ops.stop_workflow_execution(execution_id)
    return sorted(latencies)


def _event_to_body_ms(engine: Engine, bus: NotificationClient, marker: Path, execution_id: int, i: int) -> float:
    """Send event ``i``; wait for the body's start (line ``i`` of ``marker``) and for the run's end."""
    after = bus.latest_offset()
    sent_at = time.time()
    bus.send_event(Event(key="bench_go", value=str(i)))
    _wait(lambda: len(marker.read_text().splitlines()) > i, 30, f"body start {i}")
    started_at = float(marker.read_text().splitlines()[i])
    wait_for_status_event(bus, after, execution_id, "body", TaskStatus.SUCCESS)
    _wait(lambda: not live_tasks(engine, execution_id, "body"), 30, f"run {i} to end")
    return (started_at - sent_at) * 1000


def report(engine: Engine, bus: NotificationClient, folder: Path, args: argparse.Namespace) -> None:
    times = chain_seconds(engine, bus, folder, args.operator, args.chain_length, args.chain_runs)
    median = statistics.median(times)
    print(f"chain of {args.chain_length} no-op {args.operator} tasks (start_after), start -> SUCCESS: "
          f"median {median:.2f} s, best {min(times):.2f} s, runs {', '.join(f'{t:.2f}' for t in times)} "
          f"(target <= {CHAIN_TARGET_S:g} s: {'met' if median <= CHAIN_TARGET_S else 'NOT met'})")
    latencies = event_latencies_ms(engine, bus, folder, args.operator, args.events)
    p50 = statistics.median(latencies)
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)]
    met = p50 <= P50_TARGET_MS and p99 <= P99_TARGET_MS
    print(f"event -> {args.operator} task body start ({len(latencies)} events): p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
          f"max {latencies[-1]:.1f} ms (targets p50 <= {P50_TARGET_MS:g} ms, p99 <= {P99_TARGET_MS:g} ms: "
          f"{'met' if met else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain-length", type=int, default=40)
    parser.add_argument("--chain-runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--operator", choices=sorted(OPERATORS), default="python",
                        help="python: a PythonOperator; inline: an operator of the workflow file calling the body")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per API request otherwise
    with tempfile.TemporaryDirectory() as home, stack(Path(home)) as engine:
        with NotificationClient(os.environ["AIFLOW_NOTIFICATION_SERVER_URI"]) as bus:
            report(engine, bus, Path(home), args)


if __name__ == "__main__":
    main()
