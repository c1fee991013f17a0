"""Web UI benchmark: server time and time to a painted page, and how fast a status change shows.

Run: ``python bench/ui.py [--rounds 3] [--history 10000] [--requests 10]``. In a temporary folder
it starts a private Redis, the API server as users run it (gunicorn, ``web.serve.run``) and the
scheduler (``aiflow scheduler``), each a process of its own, on SQLite; no worker runs. It uploads
a 500-task and a 1,000-task workflow, seeds ``--history`` finished executions of the 500-task one
with all their task executions (straight into the database, in bulk), starts one execution of the
1,000-task one (its tasks stay QUEUED), and writes a 10 MB log (10,000 lines of 1 KB) for one of
its tries. Then, per round:

* **server time** of the workflows page, the executions list, the live execution's page and the
  log page: wall time of ``--requests`` GETs from a client on loopback, after a warm-up;
* **paint**: first contentful paint and DOMContentLoaded of each page in headless Chromium
  (Debian's, ``/usr/bin/chromium``, driven by Playwright);
* **live update**: with the execution page open, the bench sends a RUNNING report of one task to
  the bus and times until the page's row shows RUNNING (the report is applied by the scheduler and
  announced on the way, so this bounds "after the scheduler applies it" from above).

It prints each round, then min / median / max over the rounds, and the machine's baseline
(``bash -c true`` x100) from the same run.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from harness import free_port, private_redis
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from aiflow.metadata import Workflow, migrate
from aiflow.metadata.engine import create_engine
from aiflow.metadata.executions import TaskExecution, WorkflowExecution
from aiflow.metadata.session import session_scope
from aiflow.model.status import TaskStatus
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.keys import TaskKeys

CHROMIUM = "/usr/bin/chromium"
LAUNCH_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
SERVER_TARGET_MS, PAINT_TARGET_MS, LIVE_TARGET_MS = 300, 1000, 200
WIDE, LIVE_TASKS = 500, 1000
LOG_LINES, LOG_LINE_BYTES = 10_000, 1024
LIVE_SAMPLES = 20


def workflow_file(name: str, tasks: int, chained: bool) -> str:
    """A workflow of ``tasks`` Bash tasks: independent, or in ten chains (each start_after the one before it)."""
    lines = ["from ai_flow.model.workflow import Workflow", "from ai_flow.operators.bash import BashOperator", "",
             f"with Workflow(name={name!r}) as workflow:",
             f"    tasks = [BashOperator(name=f't{{i}}', bash_command='true') for i in range({tasks})]"]
    if chained:
        lines += [f"    for i in range(10, {tasks}):", "        tasks[i].start_after([tasks[i - 10]])"]
    return "\n".join(lines) + "\n"


def _wait(condition: Callable[[], object], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


@contextmanager
def process(argv: list[str], log_file: Path) -> Iterator[None]:
    """Run ``argv`` in a session of its own; stop its group on exit."""
    with log_file.open("wb") as output:
        popen = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(popen.pid, signal.SIGTERM)
        try:
            popen.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()


@contextmanager
def stack(home: Path) -> Iterator[tuple[str, Engine, NotificationClient]]:
    """Redis, the API server (gunicorn) and the scheduler; yield the API's address, the database and the bus."""
    with ExitStack() as services:
        redis_server = services.enter_context(private_redis(home / "redis"))
        port = free_port()
        os.environ.update({
            "AIFLOW_HOME": str(home / "aiflow"), "NOTIFICATION_HOME": str(home / "redis"),
            "AIFLOW_METADATA_BACKEND_URI": f"sqlite:///{home / 'aiflow.db'}",
            "AIFLOW_NOTIFICATION_SERVER_URI": redis_server.url, "AIFLOW_REST_PORT": str(port),
            "AIFLOW_API_SERVER_ADDRESS": f"http://127.0.0.1:{port}", "AIFLOW_SERVER_ADDRESS": f"http://127.0.0.1:{port}",
            "AIFLOW_BLOB_STORE_URI": str(home / "blob"), "AIFLOW_LOG_DIR": str(home / "logs"),
        })
        engine = create_engine(os.environ["AIFLOW_METADATA_BACKEND_URI"])
        services.callback(engine.dispose)
        migrate.init(engine)
        serve = "from aiflow.config import load_server_config; from web.serve import run; run(load_server_config())"
        services.enter_context(process([sys.executable, "-c", serve], home / "api.log"))
        services.enter_context(process([sys.executable, "-m", "aiflow", "scheduler"], home / "scheduler.log"))
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _answers(base + "/api/v1/health"), 60, "the API server")
        bus = services.enter_context(NotificationClient(redis_server.url))
        yield base, engine, bus


def upload(base: str, folder: Path, name: str, tasks: int, chained: bool) -> None:
    path = folder / f"{name}.py"
    path.write_text(workflow_file(name, tasks, chained))
    with path.open("rb") as file:
        answer = requests.post(f"{base}/api/v1/namespaces/default/workflows", files={"package": (path.name, file)},
                               timeout=120)
    answer.raise_for_status()


def seed_history(engine: Engine, workflow_name: str, count: int) -> float:
    """Insert ``count`` finished executions of the workflow, each with all its task executions; return seconds."""
    began = time.perf_counter()
    with session_scope(engine) as session:
        workflow = session.scalars(select(Workflow).where(Workflow.name == workflow_name)).one()
        workflow_id, snapshot_id = workflow.id, workflow.snapshot_id
    start = datetime.now(UTC) - timedelta(minutes=count + 1)  # within the retention, so housekeeping keeps them
    with engine.begin() as connection:
        first = connection.execute(insert(WorkflowExecution).returning(WorkflowExecution.id), [
            {"workflow_id": workflow_id, "snapshot_id": snapshot_id, "execution_type": "MANUAL",
             "status": "SUCCESS" if i % 10 else "FAILED", "begin_date": start + timedelta(minutes=i),
             "end_date": start + timedelta(minutes=i, seconds=40)} for i in range(count)]).scalars().all()
        for execution_id in first:
            connection.execute(insert(TaskExecution), [
                {"workflow_execution_id": execution_id, "task_name": f"t{t}", "sequence_number": 1, "try_number": 1,
                 "execution_type": "MANUAL", "status": "SUCCESS"} for t in range(WIDE)])
    return time.perf_counter() - began


def start_live(base: str, engine: Engine) -> tuple[int, list[TaskExecution]]:
    """Start the 1,000-task workflow; return its execution and its task executions once all are QUEUED."""
    answer = requests.post(f"{base}/api/v1/namespaces/default/workflows/live/executions", timeout=30)
    answer.raise_for_status()
    execution_id = int(answer.json()["id"])

    def queued() -> list[TaskExecution]:
        with session_scope(engine) as session:
            rows = list(session.scalars(select(TaskExecution).where(
                TaskExecution.workflow_execution_id == execution_id)))
            session.expunge_all()
            return rows

    _wait(lambda: len(queued()) == LIVE_TASKS, 120, "the live execution's tasks")
    print(f"live execution {execution_id}: {LIVE_TASKS} tasks queued", flush=True)
    return execution_id, queued()


def write_log(bus: NotificationClient, task_execution_id: int) -> None:
    stream = TaskKeys().log(task_execution_id, 1)
    line = "x" * (LOG_LINE_BYTES - 1)
    with bus.redis.pipeline(transaction=False) as pipe:
        for index in range(LOG_LINES):
            pipe.xadd(stream, {"line": f"{index:08d} {line[9:]}"})
        pipe.execute()


def server_ms(url: str, count: int) -> list[float]:
    with requests.Session() as client:
        client.get(url, timeout=30).raise_for_status()  # warm-up: templates compiled, the snapshot laid out
        times = []
        for _ in range(count):
            began = time.perf_counter()
            client.get(url, timeout=30).raise_for_status()
            times.append((time.perf_counter() - began) * 1000)
    return times


PAINT = """() => {
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  const navigation = performance.getEntriesByType('navigation')[0];
  return [paint ? paint.startTime : null, navigation.domContentLoadedEventEnd];
}"""

WATCH = """(id) => {
  window.shownAt = null;
  const observer = new MutationObserver(() => {
    if (document.getElementById(id).dataset.status === 'RUNNING') {
      window.shownAt = performance.timeOrigin + performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.getElementById('tasks'), {subtree: true, childList: true, attributes: true});
}"""


def paint_ms(browser: object, url: str) -> tuple[float, float]:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(url, wait_until="domcontentloaded")  # a page with a live stream never settles for "networkidle"
    page.wait_for_timeout(300)  # the paint entry is recorded once the page has painted
    fcp, dom = page.evaluate(PAINT)
    page.close()
    return float(fcp if fcp is not None else dom), float(dom)


def live_ms(browser: object, base: str, bus: NotificationClient, execution_id: int,
            tasks: list[TaskExecution]) -> list[float]:
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{base}/executions/{execution_id}")
    page.wait_for_selector("#live[data-live='open']", state="attached")
    samples = []
    for task in tasks[:LIVE_SAMPLES]:
        page.evaluate(WATCH, f"task-{task.task_name}")
        report = TaskStatusReport("default", execution_id, task.task_name, task.id, task.try_number,
                                  TaskStatus.RUNNING)
        sent = time.time() * 1000
        bus.send_event(report.to_event("aiflow.worker"))
        page.wait_for_function("window.shownAt !== null", timeout=10_000)
        samples.append(page.evaluate("window.shownAt") - sent)
    page.close()
    return samples


def spread(values: list[float]) -> str:
    return f"{min(values):.1f} / {statistics.median(values):.1f} / {max(values):.1f}"


def baseline_s() -> float:
    began = time.perf_counter()
    for _ in range(100):
        subprocess.run(["bash", "-c", "true"], check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--history", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, stack(Path(folder)) as (base, engine, bus):
        upload(base, Path(folder), "wide", WIDE, chained=True)
        upload(base, Path(folder), "live", LIVE_TASKS, chained=False)
        seconds = seed_history(engine, "wide", args.history)
        print(f"seeded {args.history} executions x {WIDE} task executions in {seconds:.1f} s")
        execution_id, tasks = start_live(base, engine)
        logged = tasks[-1]
        write_log(bus, logged.id)
        pages = {
            "workflows": f"{base}/namespaces/default/workflows",
            "executions list": f"{base}/namespaces/default/executions",
            f"execution ({LIVE_TASKS} tasks)": f"{base}/executions/{execution_id}",
            "log (10 MB)": f"{base}/task-executions/{logged.id}/log",
        }
        rounds: list[dict[str, tuple[float, float, float, float]]] = []
        lives: list[float] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_FLAGS)
            for round_number in range(1, args.rounds + 1):
                figures = {}
                for name, url in pages.items():
                    server = server_ms(url, args.requests)
                    fcp, dom = paint_ms(browser, url)
                    figures[name] = (statistics.median(server), max(server), fcp, dom)
                live = live_ms(browser, base, bus, execution_id, tasks[LIVE_SAMPLES * (round_number - 1):])
                lives.append(statistics.median(live))
                rounds.append(figures)
                print(f"round {round_number}", flush=True)
                for name, (p50, worst, fcp, dom) in figures.items():
                    print(f"  {name:<24} server p50 {p50:6.1f} ms, max {worst:6.1f} ms; "
                          f"first paint {fcp:6.1f} ms, DOMContentLoaded {dom:6.1f} ms")
                print(f"  status change -> page: p50 {statistics.median(live):.1f} ms, "
                      f"p95 {sorted(live)[int(len(live) * 0.95) - 1]:.1f} ms, max {max(live):.1f} ms")
            browser.close()
        print(f"over {args.rounds} rounds, min / median / max (targets: server <= {SERVER_TARGET_MS} ms, "
              f"paint <= {PAINT_TARGET_MS} ms, live <= {LIVE_TARGET_MS} ms):")
        for name in pages:
            print(f"  {name:<24} server p50 {spread([r[name][0] for r in rounds])} ms; "
                  f"first paint {spread([r[name][2] for r in rounds])} ms")
        print(f"  status change -> page p50 {spread(lives)} ms")
        print(f"baseline: bash -c true x100 {baseline_s():.3f} s")


if __name__ == "__main__":
    main()
