"""The start job, from a delivered message to the try's final status event.

``aiflow.start_task`` claims the try, which sets its first heartbeat (unless a stop
or another delivery came first), then, with the try's heartbeat and stop watch
running, fetches the snapshot, unpacks its package into the execution's working
folder (see :mod:`workers.run_folders`), runs the operator in a child process
under a :class:`Supervisor` and reports RUNNING, then SUCCESS, FAILED or STOPPED.
The heartbeat stops, and its key goes, only once the final status is stored.
Stops do not come as jobs: the scheduler carries them out on Redis
(:mod:`notification.task_control`), so they reach tries whose worker is busy.
Whoever holds the claim reports, so every status of a try is reported once.

The try's process gets no Redis URL: its runtime (``AIFLOW_TASK_RUNTIME``) names the API server and
holds the try's token, which the scheduler put in the job's message header
(:data:`~aiflow.try_token.TRY_TOKEN_HEADER`). Status reports and heartbeats stay here, on Redis.
"""

from __future__ import annotations

import logging
import os
import zipfile
from contextlib import ExitStack
from dataclasses import replace
from functools import cached_property, partial
from pathlib import Path

import redis
from celery import Celery, Task
from celery.signals import worker_init, worker_shutdown

from aiflow.backoff import Outage
from aiflow.blob_store import BlobStore
from aiflow.errors import ConfigError, InvalidInputError
from aiflow.metrics_server import MetricsEndpoint
from aiflow.model.status import TaskStatus
from aiflow.notification.task_runtime import TASK_RUNTIME_ENV, TaskRuntime
from aiflow.sandbox import privileges
from aiflow.try_token import TRY_TOKEN_HEADER
from notification.client import NotificationClient
from notification.connection import connect
from notification.task_control import TaskControl, run_claim
from workers.control import StopWatch, StopWatches, worker_identity
from workers.crash_points import CLAIMED, crash_point
from workers.heartbeat import Heartbeat
from workers.logs import LogFiles, LogStreams, TaskLog
from workers.metrics import WorkerMetrics
from workers.packages import PackageCache, PackageError
from workers.payloads import StartTask
from workers.reports import SEND_ATTEMPT_S, TryReports, until_done
from workers.run_folders import RunFolders
from workers.runtime.confinement import TaskConfinement, decide_confinement, task_base_environment
from workers.runtime.forkserver import ForkServer, task_python_path
from workers.runtime.messages import Outcome
from workers.runtime.supervisor import Supervisor
from workers.runtime.try_process import TryProcess
from workers.settings import WorkerSettings
from workers.sweeping import Sweeper

logger = logging.getLogger(__name__)

START_TASK = "aiflow.start_task"


class WorkerServices:
    """The connections and helpers of the worker process, made on first use and shared by its slots."""

    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings

    @cached_property
    def redis(self) -> redis.Redis:
        """The Redis of the event bus, for claims, heartbeats, stops and logs."""
        return connect(self.settings.redis_url)

    @cached_property
    def control(self) -> TaskControl:
        """Claims of tries."""
        return TaskControl(self.redis, self.settings.keys)

    @cached_property
    def stop_watches(self) -> StopWatches:
        """Hears the stops of this process's tries."""
        return StopWatches(self.redis, self.settings.keys)

    @cached_property
    def log_streams(self) -> LogStreams:
        """Adds the lines of this process's tries to their log streams."""
        return LogStreams(self.redis, self.settings.log_retention)

    @cached_property
    def bus(self) -> NotificationClient:
        """The event bus, for status events."""
        return NotificationClient(self.settings.redis_url, retry_budget=SEND_ATTEMPT_S)

    @cached_property
    def task_environment(self) -> dict[str, str]:
        """The environment task processes start from: this process's, without the worker's secrets."""
        return task_base_environment(self.settings, os.environ)

    @cached_property
    def task_confinement(self) -> TaskConfinement:
        """The user, Landlock rules and protected folders of task processes."""
        return decide_confinement(self.settings, task_python_path(self.task_environment))

    @cached_property
    def fork_server(self) -> ForkServer:
        """The process that forks this worker process's task processes."""
        return ForkServer(self.task_environment, self.task_confinement, self.settings.load_timeout)

    @cached_property
    def run_folders(self) -> RunFolders:
        """The working folders of the workflow executions this host runs tries of."""
        return RunFolders(self.settings.work_dir / "runs", self.settings.run_retention)

    @cached_property
    def packages(self) -> PackageCache:
        """This host's cache of snapshots."""
        return PackageCache(self.settings.api_server_address, self.settings.worker_token,
                            self.settings.work_dir / "snapshots", self.settings.run_retention,
                            store=self._package_store())

    def _package_store(self) -> BlobStore | None:
        """The server's package store, if this worker reads it and can open it (else packages come by the API)."""
        if self.settings.package_store is None:
            return None
        try:
            return self.settings.package_store.open()
        except ConfigError as exc:
            logger.warning("Worker: packages come through the API server only: %s", exc)
            return None

    @cached_property
    def metrics(self) -> WorkerMetrics:
        """This worker's series."""
        return WorkerMetrics()

    @cached_property
    def metrics_endpoint(self) -> MetricsEndpoint:
        """Serves :attr:`metrics` from the worker's start to its shutdown."""
        return MetricsEndpoint(self.metrics.registry, self.settings.metrics_bind_address, self.settings.metrics_port,
                               "Worker")

    @cached_property
    def sweeper(self) -> Sweeper:
        """Removes old run folders, snapshots and log files of this host."""
        log_files = LogFiles(self.settings.log_dir, self.settings.log_retention)
        return Sweeper({"run folders": self.run_folders, "snapshots": self.packages, "log files": log_files})


def register_jobs(app: Celery, services: WorkerServices) -> None:
    """Add ``aiflow.start_task`` to ``app``, running with ``services``.

    The worker runs its slots as threads of one process (see :mod:`workers.celery_app`), which is
    made undumpable (:func:`~aiflow.sandbox.privileges.forbid_tracing`): a task without
    CAP_SYS_PTRACE cannot read the worker's memory or environment. As the worker starts it decides
    how task processes are confined and starts its one fork server, its stop watch and its log
    streams, so that the first try does not wait for them, and its metrics endpoint; it stops them
    as it shuts down.
    """

    def start(task: Task, **kwargs: object) -> None:
        token, worker = task.request.get(TRY_TOKEN_HEADER), task.request.hostname
        start_task(services, StartTask.from_kwargs(kwargs), token if isinstance(token, str) else "",
                   worker if isinstance(worker, str) else None)

    def on_worker_init(sender: object, **_: object) -> None:
        if getattr(sender, "app", None) is app:
            privileges.forbid_tracing()
            services.fork_server.start()
            services.stop_watches.start()
            services.log_streams.start()
            services.metrics_endpoint.start()

    def on_worker_shutdown(sender: object, **_: object) -> None:
        if getattr(sender, "app", None) is app:
            services.metrics_endpoint.stop()
            services.stop_watches.close()
            services.log_streams.close()

    app.task(name=START_TASK, shared=False, bind=True)(start)
    worker_init.connect(on_worker_init, weak=False)
    worker_shutdown.connect(on_worker_shutdown, weak=False)


def start_task(services: WorkerServices, job: StartTask, try_token: str = "", worker: str | None = None) -> None:
    """Run the try unless another delivery or a stop claimed it; report its statuses.

    ``try_token`` is the try's credential, handed to its process alone; without one (a job not sent
    by the scheduler) the try runs, but its event client refuses to work. ``worker`` (Celery's node
    name of this worker, e.g. ``celery@host``) is named in the RUNNING report.
    """
    settings = services.settings
    watch = services.stop_watches.watch(job.task_execution_id, job.try_number)
    try:
        if not _claim(services, job):
            logger.info("Task %s: already claimed; this delivery does nothing", job.describe())
            return
        crash_point(CLAIMED, job.try_number)
        heartbeat = Heartbeat(services.redis, settings.keys, job.task_execution_id, job.try_number,
                              settings.heartbeat_interval, settings.heartbeat_timeout, watch.event.set)
        heartbeat.start()  # at once: the claim's beat lasts one time-out, whatever the worker does next
        try:
            services.sweeper.sweep_if_due()
            runtime = TaskRuntime(settings.api_server_address, try_token, job.namespace, job.workflow_name,
                                  job.workflow_execution_id, job.task_name, job.task_execution_id, job.try_number)
            reports = TryReports(services.bus, job, worker, partial(services.metrics.reported, job))
            with services.metrics.holding(heartbeat):
                _run_and_report(services, job, runtime, watch, reports)
        finally:  # whatever happened, the try stops beating: reported, or else soon judged lost
            heartbeat.end()
    finally:
        watch.close()


def _claim(services: WorkerServices, job: StartTask) -> bool:
    """Claim the try and set its first heartbeat, waiting out an outage of Redis (the job is ours until then)."""
    holder, settings = run_claim(worker_identity()), services.settings
    outage = Outage(logger, f"Worker: claim of {job.describe()}")
    return until_done(lambda: services.control.claim_to_run(
        job.task_execution_id, job.try_number, holder, worker_identity(), settings.heartbeat_timeout), outage)


def _run_and_report(services: WorkerServices, job: StartTask, runtime: TaskRuntime, watch: StopWatch,
                    reports: TryReports) -> None:
    """Run the claimed try and report how it ended, then mark its log complete.

    The final report comes first: it is what the scheduler waits for.
    """
    settings = services.settings
    try:
        log = TaskLog(services.log_streams, settings.keys, settings.log_dir, job)
    except InvalidInputError as exc:
        reports.final(Outcome.failed(str(exc)))
        return
    try:
        reports.final(_run(services, job, runtime, watch, log, reports))
    finally:
        log.close()


def _run(services: WorkerServices, job: StartTask, runtime: TaskRuntime, watch: StopWatch, log: TaskLog,
         reports: TryReports) -> Outcome:
    """Run the try; return how it ended (the claim is ours: it must end with a status)."""
    try:
        outcome = _prepare_and_run(services, job, runtime, watch, log, reports)
        log.note(f"Task {job.task_name!r} ended {outcome.describe()}")
        return outcome
    except Exception as exc:
        logger.exception("Task %s: the worker could not run it", job.describe())
        return Outcome.failed(f"the worker could not run the task: {exc}")


def _prepare_and_run(services: WorkerServices, job: StartTask, runtime: TaskRuntime, watch: StopWatch,
                     log: TaskLog, reports: TryReports) -> Outcome:
    with ExitStack() as stack:
        try:
            snapshot = stack.enter_context(services.packages.use(job.snapshot_id, watch.event))
            folder = stack.enter_context(services.run_folders.use(job.workflow_execution_id, snapshot))
            workflow_file = folder / snapshot.entry
        except (PackageError, OSError, zipfile.BadZipFile) as exc:
            if watch.event.is_set():
                return Outcome(TaskStatus.STOPPED)
            return Outcome.failed(f"cannot prepare snapshot {job.snapshot_id}: {exc}")
        if watch.event.is_set():
            return Outcome(TaskStatus.STOPPED)  # stopped while its package was prepared: never launched
        return _supervise(services, job, runtime, watch, log, reports, workflow_file, folder)


def _supervise(services: WorkerServices, job: StartTask, runtime: TaskRuntime, watch: StopWatch, log: TaskLog,
               reports: TryReports, workflow_file: Path, folder: Path) -> Outcome:
    try:
        process = TryProcess.launch(services.fork_server, workflow_file, folder,
                                    {TASK_RUNTIME_ENV: replace(runtime, run_folder=str(folder)).to_json()}, log.write)
    except OSError as exc:
        return Outcome.failed(f"cannot start the task process: {exc}")
    try:
        reports.running()  # sent in the background: supervision never waits for Redis
        log.note(f"Task {job.describe()} running in process {process.pid}")
        return Supervisor(process, watch.event, job.task_name, job.try_number).run()
    except BaseException:
        process.kill()
        process.finish()
        raise
