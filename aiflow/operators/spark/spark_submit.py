"""Submit a Spark application with ``spark-submit``."""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError
from aiflow.operators.job_output import JobIdWatcher
from aiflow.operators.job_tracking import JobEnd, StatusQuery, check_poll_interval
from aiflow.operators.process import ChildProcess, run_command
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context

SUBMISSION_ID_PATTERN = r"(application_\d+_\d+|driver-\d+-\d+|pod name: \S+)"
"""How spark-submit reports a cluster-mode submission: a YARN application, a standalone
driver, or a Kubernetes driver pod."""

DRIVER_STATE_PATTERN = re.compile(r'"driverState"\s*:\s*"(\w+)"|phase: (\w+)')
"""A driver's state in ``spark-submit --status`` output: a standalone master's reply, or a
Kubernetes driver pod's phase."""

FINAL_DRIVER_STATES = {"FINISHED": True, "SUCCEEDED": True, "FAILED": False, "KILLED": False, "ERROR": False}
"""Terminal driver states (pod phases upper-cased), and whether each means success."""

DEPLOY_MODES = ("client", "cluster")


class SparkSubmitOperator(ProcessOperator):
    """Runs ``spark-submit`` for ``application``.

    In client mode the driver is the spark-submit process, so stopping the task
    ends it. In cluster mode the submission id printed by spark-submit is
    tracked, and stop kills it (``yarn application -kill`` on YARN, otherwise
    ``spark-submit --master <master> --kill <id>``) before ending the client.
    On YARN, spark-submit waits for the application to end. Elsewhere, once
    spark-submit returns, the task runs ``spark-submit --master <master>
    --status <id>`` every ``status_poll_interval`` seconds until the driver is
    FINISHED / Succeeded (success) or FAILED, KILLED, ERROR / Failed (failure).

    Args:
        application: the jar, Python or R file to run.
        application_args: arguments of the application.
        executable_path: the ``spark-submit`` command (default: on PATH).
        master: ``yarn``, ``local[*]``, ``spark://host:port``, ``k8s://https://host:port``...
        deploy_mode: ``client`` (default) or ``cluster``.
        application_name: the application name (``--name``).
        submit_options: more spark-submit options, split like a shell does.
        k8s_namespace: the Kubernetes namespace of the driver.
        env_vars: environment variables for the driver; on YARN and Kubernetes they
            are also passed as ``spark.yarn.appMasterEnv.*`` / ``spark.kubernetes.driverEnv.*``.
        status_poll_interval: seconds between driver status polls in cluster mode.
    """

    def __init__(
        self,
        name: str,
        application: str,
        application_args: Sequence[Any] | None = None,
        executable_path: str | None = None,
        master: str = "yarn",
        deploy_mode: str = "client",
        application_name: str | None = None,
        submit_options: str | None = None,
        k8s_namespace: str | None = None,
        env_vars: Mapping[str, Any] | None = None,
        status_poll_interval: float = 1,
        **kwargs: Any,
    ) -> None:
        if deploy_mode not in DEPLOY_MODES:
            raise InvalidInputError(
                f"Task {name!r}: deploy_mode must be one of {DEPLOY_MODES}, got {deploy_mode!r}"
            )
        interval = check_poll_interval(name, "status_poll_interval", status_poll_interval)
        super().__init__(name, **kwargs)
        self.application = application
        self.application_args = [str(arg) for arg in application_args or ()]
        self.executable_path = executable_path or "spark-submit"
        self.master = master
        self.deploy_mode = deploy_mode
        self.application_name = application_name
        self.submit_options = submit_options
        self.k8s_namespace = k8s_namespace
        self.env_vars = {key: str(value) for key, value in (env_vars or {}).items()}
        self.status_poll_interval = interval
        self._submissions: JobIdWatcher | None = None

    @property
    def submission_id(self) -> str | None:
        """The YARN application id, standalone driver id or Kubernetes driver pod, once printed."""
        found = None if self._submissions is None else self._submissions.job_id
        return None if found is None else found.removeprefix("pod name: ")

    def submit_command(self) -> list[str]:
        """Return the ``spark-submit`` command line."""
        command = [self.executable_path, "--master", self.master, "--deploy-mode", self.deploy_mode]
        if self.application_name:
            command += ["--name", self.application_name]
        if self.k8s_namespace:
            command += ["--conf", f"spark.kubernetes.namespace={self.k8s_namespace}"]
        env_conf = self._driver_env_conf()
        if env_conf:
            for key, value in self.env_vars.items():
                command += ["--conf", f"{env_conf}{key}={value}"]
        options = shlex.split(self.submit_options or "")
        return [*command, *options, self.application, *self.application_args]

    def kill_command(self, submission_id: str) -> list[str]:
        """Return the command that kills a cluster-mode submission."""
        if self._on_yarn:
            return ["yarn", "application", "-kill", submission_id]
        return [self.executable_path, "--master", self.master, "--kill", self._driver_ref(submission_id)]

    def status_command(self, submission_id: str) -> list[str]:
        """Return the command that reports a cluster-mode driver's state (not on YARN)."""
        return [self.executable_path, "--master", self.master, "--status", self._driver_ref(submission_id)]

    @property
    def _on_yarn(self) -> bool:
        return self.master.startswith("yarn")

    def _driver_ref(self, submission_id: str) -> str:
        if self.master.startswith("k8s://") and self.k8s_namespace:
            return f"{self.k8s_namespace}:{submission_id}"
        return submission_id

    def _driver_env_conf(self) -> str | None:
        if self._on_yarn:
            return "spark.yarn.appMasterEnv."
        if self.master.startswith("k8s://"):
            return "spark.kubernetes.driverEnv."
        return None

    def launch(self, context: Context) -> ChildProcess:
        self._submissions = JobIdWatcher(SUBMISSION_ID_PATTERN)
        return run_command(self.submit_command(), on_line=self._submissions, env=self.env_vars)

    def status_query(self) -> StatusQuery | None:
        """Follow the driver in cluster mode (except on YARN, where spark-submit waits for it).

        Raises:
            TaskFailedError: spark-submit printed no submission id to follow.
        """
        if self.deploy_mode != "cluster" or self._on_yarn:
            return None
        if self.submission_id is None:
            raise TaskFailedError(f"Task {self.name!r} failed: spark-submit reported no submission id")
        return StatusQuery(self.status_command(self.submission_id), driver_end, self.status_poll_interval)

    def cancel_job(self) -> None:
        if self.deploy_mode == "cluster" and self.submission_id is not None:
            self.run_control_command(self.kill_command(self.submission_id))

    def get_metrics(self, context: Context) -> dict[str, Any]:
        return {} if self.submission_id is None else {"submission_id": self.submission_id}


def driver_end(output: list[str]) -> JobEnd | None:
    """Read the driver's end from ``spark-submit --status`` output; ``None`` while it runs."""
    states = [m.group(1) or m.group(2) for m in map(DRIVER_STATE_PATTERN.search, output) if m]
    state = states[-1].upper() if states else ""
    return JobEnd(state, FINAL_DRIVER_STATES[state]) if state in FINAL_DRIVER_STATES else None
