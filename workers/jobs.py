"""The start and stop jobs, from a delivered message to the try's final status event.

``aiflow.start_task`` claims the try (unless a stop came first), fetches the
snapshot, unpacks its package into the execution's working folder (see
:mod:`workers.run_folders`), runs the operator in a child process under a
:class:`Supervisor` and reports RUNNING, then SUCCESS, FAILED or STOPPED. ``aiflow.stop_task`` either takes the
claim of a try nobody runs yet (and reports STOPPED) or signals the worker
running it (see :mod:`workers.control`). Whoever holds the claim reports, so
every status of a try is reported once.
"""

from __future__ import annotations

import logging
import zipfile
from contextlib import ExitStack
from functools import cached_property
from pathlib import Path

import redis
from celery import Celery
from celery.signals import worker_process_init

from aiflow.model.status import TaskStatus
from aiflow.notification.notification_client import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.status_events import TaskStatusReport
from notification.client import NotificationClient
from notification.connection import connect
from workers.control import StopWatch, claim_to_run, request_stop
from workers.heartbeat import Heartbeat
from workers.logs import TaskLog
from workers.packages import PackageCache, PackageError
from workers.payloads import StartTask, StopTask, TryPayload
from workers.run_folders import RunFolders
from workers.runtime.forkserver import ForkServer
from workers.runtime.messages import Outcome
from workers.runtime.supervisor import Supervisor
from workers.runtime.try_process import TryProcess
from workers.settings import WorkerSettings

logger = logging.getLogger(__name__)

START_TASK = "aiflow.start_task"
STOP_TASK = "aiflow.stop_task"
SENDER = "aiflow.worker"
"""The sender of the status events workers send."""

MAX_ERROR_CHARS = 4000


class WorkerServices:
    """The connections of one worker process, opened on first use (after the pool has forked)."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings

    @cached_property
    def redis(self) -> redis.Redis:
        """The Redis of the event bus, for claims, heartbeats, stops and logs."""
        return connect(self.settings.redis_url)

    @cached_property
    def bus(self) -> NotificationClient:
        """The event bus, for status events."""
        return NotificationClient(self.settings.redis_url)

    @cached_property
    def fork_server(self) -> ForkServer:
        """The process that forks this worker process's task processes."""
        return ForkServer()

    @cached_property
    def run_folders(self) -> RunFolders:
        """The working folders of the workflow executions this host runs tries of."""
        return RunFolders(self.settings.work_dir / "runs", self.settings.run_retention)

    @cached_property
    def packages(self) -> PackageCache:
        """This host's cache of snapshots."""
        return PackageCache(self.settings.api_server_address, self.settings.worker_token,
                            self.settings.work_dir / "snapshots")

    def report(self, job: TryPayload, status: TaskStatus, error: str | None = None) -> None:
        """Send the try's status event (a retried send of the same status stores nothing new)."""
        report = TaskStatusReport(job.namespace, job.workflow_execution_id, job.task_name, job.task_execution_id,
                                  job.try_number, status, error and error[:MAX_ERROR_CHARS])
        request_id = f"{SENDER}:{job.task_execution_id}:{job.try_number}:{status.value}"
        self.bus.send_event(report.to_event(SENDER), request_id=request_id)
        logger.info("Task %s: %s%s", job.describe(), status.value, f" ({error})" if error else "")


def register_jobs(app: Celery, services: WorkerServices) -> None:
    """Add ``aiflow.start_task`` and ``aiflow.stop_task`` to ``app``, running with ``services``.

    Each pool process starts its fork server as it starts, so that its first try does not wait for it.
    """

    def start(**kwargs: object) -> None:
        start_task(services, StartTask.from_kwargs(kwargs))

    def stop(**kwargs: object) -> None:
        stop_task(services, StopTask.from_kwargs(kwargs))

    app.task(name=START_TASK, shared=False)(start)
    app.task(name=STOP_TASK, shared=False)(stop)
    worker_process_init.connect(lambda **_: services.fork_server.start(), weak=False)


def stop_task(services: WorkerServices, job: StopTask) -> None:
    """Stop the try wherever it runs; report STOPPED here if it had not started."""
    if request_stop(services.redis, services.settings.keys, job.task_execution_id, job.try_number):
        services.report(job, TaskStatus.STOPPED)
    else:
        logger.info("Task %s: stop requested", job.describe())


def start_task(services: WorkerServices, job: StartTask) -> None:
    """Run the try unless another delivery claimed it; report its statuses."""
    keys = services.settings.keys
    if not claim_to_run(services.redis, keys, job.task_execution_id, job.try_number):
        logger.info("Task %s: already claimed; this delivery does nothing", job.describe())
        return
    watch = StopWatch(services.redis, keys, job.task_execution_id, job.try_number)
    try:
        outcome = _run_logged(services, job, watch)
    except Exception as exc:  # the claim is ours: the try must still end with a status
        logger.exception("Task %s: the worker could not run it", job.describe())
        outcome = Outcome.failed(f"the worker could not run the task: {exc}")
    finally:
        watch.close()
    services.report(job, outcome.status, outcome.error)


def _run_logged(services: WorkerServices, job: StartTask, watch: StopWatch) -> Outcome:
    settings = services.settings
    log = TaskLog(services.redis, settings.keys, settings.log_dir, job, settings.log_retention)
    try:
        outcome = _prepare_and_run(services, job, watch, log)
        log.note(f"Task {job.task_name!r} ended {outcome.describe()}")
        return outcome
    finally:
        log.close()


def _prepare_and_run(services: WorkerServices, job: StartTask, watch: StopWatch, log: TaskLog) -> Outcome:
    with ExitStack() as stack:
        try:
            snapshot = services.packages.get(job.snapshot_id)
            folder = stack.enter_context(services.run_folders.use(job.workflow_execution_id, snapshot))
            workflow_file = folder / snapshot.entry
        except (PackageError, OSError, zipfile.BadZipFile) as exc:
            return Outcome.failed(f"cannot prepare snapshot {job.snapshot_id}: {exc}")
        return _supervise(services, job, watch, log, workflow_file, folder)


def _supervise(
    services: WorkerServices, job: StartTask, watch: StopWatch, log: TaskLog, workflow_file: Path, folder: Path
) -> Outcome:
    settings = services.settings
    runtime = TaskRuntime(settings.redis_url, job.namespace, job.workflow_name, job.workflow_execution_id,
                          job.task_name, job.task_execution_id, job.try_number)
    heartbeat = Heartbeat(services.redis, settings.keys, job.task_execution_id, job.try_number,
                          settings.heartbeat_interval, settings.heartbeat_timeout)
    try:
        process = TryProcess.launch(services.fork_server, workflow_file, folder,
                                    {TASK_RUNTIME_ENV: runtime.to_json()}, log.write)
    except OSError as exc:
        return Outcome.failed(f"cannot start the task process: {exc}")
    try:
        watch.start()  # only now: the task process starts meanwhile, and a stop that came first ends it at once
        heartbeat.beat_if_due()
        services.report(job, TaskStatus.RUNNING)
        log.note(f"Task {job.describe()} running in process {process.pid}")
        return Supervisor(process, heartbeat, watch, job.task_name).run()
    except BaseException:
        process.kill()
        process.finish()
        raise
    finally:
        heartbeat.end()
