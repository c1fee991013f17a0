"""Submit a Flink job with ``flink run`` and follow, cancel or stop it with the same command line."""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiflow.operators.job_output import JobIdWatcher
from aiflow.operators.job_tracking import JobEnd, StatusQuery, check_poll_interval
from aiflow.operators.process import ChildProcess, run_command
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context

JOB_ID_PATTERN = r"JobID ([0-9a-fA-F]{32})"
"""How ``flink run`` reports the submitted job ("Job has been submitted with JobID ...")."""

LISTED_JOB_PATTERN = re.compile(r" : ([0-9a-fA-F]{32}) : .*\((\w+)\)\s*$")
"""A job in ``flink list`` output: ``<start time> : <job id> : <job name> (<state>)``."""

FINAL_JOB_STATES = {"FINISHED": True, "FAILED": False, "CANCELED": False, "SUSPENDED": False}
"""Flink's terminal job states, and whether each means success."""


class FlinkOperator(ProcessOperator):
    """Runs ``flink run`` (``flink run-application`` in application mode) and tracks the job.

    With ``flink run`` the client stays attached, so the task lasts as long as
    the job. ``flink run-application`` returns once the application cluster is
    deployed; the task then runs ``flink list -a`` with the same ``-t`` and
    ``-Dkubernetes.cluster-id`` options every ``jobs_info_poll_interval``
    seconds (adopting the listed job when the client printed no job id) and
    ends when the job is FINISHED or no longer listed (success), or FAILED,
    CANCELED or SUSPENDED (failure). The cluster must keep finished jobs
    listable (``execution.shutdown-on-application-finish: false``).

    On stop, the job is cancelled with ``flink cancel <job id>``, or, with
    ``stop_with_savepoint``, stopped with ``flink stop`` (into
    ``savepoint_path`` if given, else Flink's configured savepoint directory);
    then the client's process group is ended.

    Args:
        application: the jar or Python file (``.py`` is passed with ``-py``).
        target: the deployment target (``-t``), e.g. ``kubernetes-application``.
        application_args: arguments of the application.
        executable_path: the ``flink`` command (default: ``flink`` on PATH).
        application_mode: submit with ``run-application``.
        stop_with_savepoint: stop with a savepoint instead of cancelling.
        kubernetes_cluster_id: passed as ``-Dkubernetes.cluster-id``.
        command_options: more options for ``flink run``, split like a shell does.
        jobs_info_poll_interval: seconds between ``flink list`` polls in application mode.
        savepoint_path: where ``flink stop`` writes the savepoint.
    """

    def __init__(
        self,
        name: str,
        application: str,
        target: str | None = None,
        application_args: Sequence[Any] | None = None,
        executable_path: str | None = None,
        application_mode: bool = False,
        stop_with_savepoint: bool = False,
        kubernetes_cluster_id: str | None = None,
        command_options: str | None = None,
        jobs_info_poll_interval: float = 1,
        savepoint_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        interval = check_poll_interval(name, "jobs_info_poll_interval", jobs_info_poll_interval)
        super().__init__(name, **kwargs)
        self.application = application
        self.target = target
        self.application_args = [str(arg) for arg in application_args or ()]
        self.executable_path = executable_path or "flink"
        self.application_mode = application_mode
        self.stop_with_savepoint = stop_with_savepoint
        self.kubernetes_cluster_id = kubernetes_cluster_id
        self.command_options = command_options
        self.jobs_info_poll_interval = interval
        self.savepoint_path = savepoint_path
        self._job_ids: JobIdWatcher | None = None
        self._listed_job_id: str | None = None

    @property
    def job_id(self) -> str | None:
        """The id of the submitted job, once the client reported it or ``flink list`` showed it."""
        reported = None if self._job_ids is None else self._job_ids.job_id
        return reported or self._listed_job_id

    def submit_command(self) -> list[str]:
        """Return the ``flink run`` command line."""
        action = "run-application" if self.application_mode else "run"
        application = [self.application]
        if self.application.endswith(".py"):
            application.insert(0, "-py")
        options = [*self._cluster_options(), *shlex.split(self.command_options or "")]
        return [self.executable_path, action, *options, *application, *self.application_args]

    def list_command(self) -> list[str]:
        """Return the ``flink list`` command that shows the cluster's jobs with their states."""
        return [self.executable_path, "list", "-a", *self._cluster_options()]

    def stop_command(self, job_id: str) -> list[str]:
        """Return the command that cancels ``job_id``, or stops it with a savepoint."""
        if not self.stop_with_savepoint:
            return [self.executable_path, "cancel", *self._cluster_options(), job_id]
        savepoint = ["--savepointPath", self.savepoint_path] if self.savepoint_path else []
        return [self.executable_path, "stop", *self._cluster_options(), *savepoint, job_id]

    def _cluster_options(self) -> list[str]:
        options = ["-t", self.target] if self.target else []
        if self.kubernetes_cluster_id:
            options.append(f"-Dkubernetes.cluster-id={self.kubernetes_cluster_id}")
        return options

    def launch(self, context: Context) -> ChildProcess:
        self._job_ids = JobIdWatcher(JOB_ID_PATTERN)
        self._listed_job_id = None
        return run_command(self.submit_command(), on_line=self._job_ids)

    def status_query(self) -> StatusQuery | None:
        if not self.application_mode:
            return None
        return StatusQuery(self.list_command(), self._job_end, self.jobs_info_poll_interval)

    def _job_end(self, output: list[str]) -> JobEnd | None:
        """Read the job's end from ``flink list -a`` output; ``None`` while it has not ended."""
        listed = {m.group(1): m.group(2) for m in map(LISTED_JOB_PATTERN.search, output) if m}
        if self.job_id is None:
            # run-application printed no job id: the application's job is the one listed.
            self._listed_job_id = next(iter(listed), None)
            if self._listed_job_id is None:
                return None
        state = listed.get(self.job_id or "")
        if state is None:
            return JobEnd("no longer listed", succeeded=True)
        return JobEnd(state, FINAL_JOB_STATES[state]) if state in FINAL_JOB_STATES else None

    def cancel_job(self) -> None:
        if self.job_id is not None:
            self.run_control_command(self.stop_command(self.job_id))

    def get_metrics(self, context: Context) -> dict[str, Any]:
        return {} if self.job_id is None else {"job_id": self.job_id}
