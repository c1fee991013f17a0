"""Submit a Spark application with ``spark-submit``."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from aiflow.errors import InvalidInputError
from aiflow.operators.job_output import JobIdWatcher
from aiflow.operators.process import ChildProcess, run_command
from aiflow.operators.process_operator import ProcessOperator

if TYPE_CHECKING:
    from aiflow.model.context import Context

SUBMISSION_ID_PATTERN = r"(application_\d+_\d+|driver-\d+-\d+|pod name: \S+)"
"""How spark-submit reports a cluster-mode submission: a YARN application, a standalone
driver, or a Kubernetes driver pod."""

DEPLOY_MODES = ("client", "cluster")


class SparkSubmitOperator(ProcessOperator):
    """Runs ``spark-submit`` for ``application``.

    In client mode the driver is the spark-submit process, so stopping the task
    ends it. In cluster mode the submission id printed by spark-submit is
    tracked, and stop kills it (``yarn application -kill`` on YARN, otherwise
    ``spark-submit --kill``) before ending the client.

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
        **kwargs: Any,
    ) -> None:
        if deploy_mode not in DEPLOY_MODES:
            raise InvalidInputError(
                f"Task {name!r}: deploy_mode must be one of {DEPLOY_MODES}, got {deploy_mode!r}"
            )
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
        if self.master.startswith("yarn"):
            return ["yarn", "application", "-kill", submission_id]
        if self.master.startswith("k8s://") and self.k8s_namespace:
            submission_id = f"{self.k8s_namespace}:{submission_id}"
        return [self.executable_path, "--master", self.master, "--kill", submission_id]

    def _driver_env_conf(self) -> str | None:
        if self.master.startswith("yarn"):
            return "spark.yarn.appMasterEnv."
        if self.master.startswith("k8s://"):
            return "spark.kubernetes.driverEnv."
        return None

    def launch(self, context: Context) -> ChildProcess:
        self._submissions = JobIdWatcher(SUBMISSION_ID_PATTERN)
        return run_command(self.submit_command(), on_line=self._submissions, env=self.env_vars)

    def stop(self, context: Context) -> None:
        if self.deploy_mode == "cluster" and self.submission_id is not None:
            self.run_control_command(self.kill_command(self.submission_id))
        super().stop(context)

    def get_metrics(self, context: Context) -> dict[str, Any]:
        return {} if self.submission_id is None else {"submission_id": self.submission_id}
