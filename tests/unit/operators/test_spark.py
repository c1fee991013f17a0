"""Spark operators build the documented command lines and stop what they submitted."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError
from aiflow.operators.job_tracking import JobEnd
from aiflow.operators.spark.spark_sql import SparkSqlOperator
from aiflow.operators.spark.spark_submit import SparkSubmitOperator, driver_end
from tests.support import wait_until

DRIVER = "driver-20240101000000-0007"
K8S_MASTER = "k8s://https://k:443"
STANDALONE = {"master": "spark://m:7077", "deploy_mode": "cluster", "status_poll_interval": 0.02}
SUBMIT_STANDALONE = ["spark-submit", "--master", "spark://m:7077", "--deploy-mode", "cluster", "app.jar"]
STATUS = ["spark-submit", "--master", "spark://m:7077", "--status", DRIVER]


@pytest.mark.parametrize(
    ("options", "submit"),
    [
        (
            {"application": "app.py", "master": "local[2]", "application_args": ["a", 1]},
            ["--master", "local[2]", "--deploy-mode", "client", "app.py", "a", "1"],
        ),
        (
            {
                "application": "app.jar",
                "application_name": "etl",
                "submit_options": "--class com.Main --conf spark.x=1",
                "env_vars": {"MODE": "prod"},
            },
            [
                *("--master", "yarn", "--deploy-mode", "client", "--name", "etl"),
                *("--conf", "spark.yarn.appMasterEnv.MODE=prod"),
                *("--class", "com.Main", "--conf", "spark.x=1", "app.jar"),
            ],
        ),
        (
            {"application": "app.jar", "master": K8S_MASTER, "k8s_namespace": "ml", "env_vars": {"A": 1}},
            [
                *("--master", K8S_MASTER, "--deploy-mode", "client"),
                *("--conf", "spark.kubernetes.namespace=ml"),
                *("--conf", "spark.kubernetes.driverEnv.A=1", "app.jar"),
            ],
        ),
    ],
)
def test_client_mode_stop_ends_the_client(
    workflow, context, stand_in, recorded_calls, options, submit
):
    spark = stand_in("spark-submit", "Running Spark version 3.5.0")
    task = SparkSubmitOperator("spark-job", executable_path=str(spark), **options)
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)

    assert recorded_calls() == [["spark-submit", *submit]]
    with pytest.raises(TaskFailedError, match="exit code -15"):
        task.await_termination(context)


@pytest.fixture
def submitted(workflow, context, stand_in, recorded_calls):
    """A standalone cluster-mode task awaited in a thread, once spark-submit returned and the driver is polled.

    Yields the task and the future of its ``await_termination``.
    """
    spark = stand_in("spark-submit", f"Driver successfully submitted as {DRIVER}", detached=True)
    task = SparkSubmitOperator("spark-job", "app.jar", executable_path=str(spark), **STANDALONE)
    task.start(context)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(task.await_termination, context, 10)
        wait_until(lambda: recorded_calls() == [SUBMIT_STANDALONE, STATUS])
        yield task, waiting
        task.stop(context)


def test_cluster_mode_follows_the_driver_until_it_finishes(submitted, context, job_state, recorded_calls):
    task, waiting = submitted
    assert not waiting.done()
    job_state("FINISHED")
    assert waiting.result(timeout=5) is None
    assert recorded_calls() == [SUBMIT_STANDALONE, STATUS]
    assert task.get_metrics(context) == {"submission_id": DRIVER}


@pytest.mark.parametrize("state", ["FAILED", "ERROR", "KILLED"])
def test_cluster_mode_fails_when_the_driver_fails(submitted, job_state, state):
    _, waiting = submitted
    job_state(state)
    with pytest.raises(TaskFailedError, match=f"its job ended {state}"):
        waiting.result(timeout=5)


def test_cluster_mode_stop_kills_the_submitted_driver(submitted, context, recorded_calls):
    task, waiting = submitted
    task.stop(context)
    with pytest.raises(TaskFailedError, match="was stopped while its job ran"):
        waiting.result(timeout=5)
    assert recorded_calls() == [
        SUBMIT_STANDALONE, STATUS, ["spark-submit", "--master", "spark://m:7077", "--kill", DRIVER]
    ]


def test_kubernetes_cluster_mode_polls_the_driver_pod_in_its_namespace(
    workflow, context, stand_in, recorded_calls, job_state
):
    spark = stand_in("spark-submit", "Application status (driver): pod name: etl-driver", detached=True)
    task = SparkSubmitOperator(
        "spark-job", "app.jar", executable_path=str(spark), master=K8S_MASTER, deploy_mode="cluster",
        k8s_namespace="ml", status_poll_interval=0.02,
    )
    task.start(context)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(task.await_termination, context, 10)
        wait_until(lambda: len(recorded_calls()) == 2)
        job_state("FINISHED")
        waiting.result(timeout=5)
    assert recorded_calls()[1] == ["spark-submit", "--master", K8S_MASTER, "--status", "ml:etl-driver"]


def test_cluster_mode_without_a_submission_id_fails(workflow, context, stand_in):
    spark = stand_in("spark-submit", "Submission refused quietly", detached=True)
    task = SparkSubmitOperator("spark-job", "app.jar", executable_path=str(spark), **STANDALONE)
    task.start(context)
    with pytest.raises(TaskFailedError, match="spark-submit reported no submission id"):
        task.await_termination(context, timeout=10)


@pytest.mark.parametrize(
    ("output", "end"),
    [
        (['{ "driverState" : "RUNNING" }'], None),
        (['  "driverState" : "FINISHED",'], JobEnd("FINISHED", True)),
        (["phase: Running", "phase: Succeeded"], JobEnd("SUCCEEDED", True)),
        (["pod name: etl-driver", "phase: Failed"], JobEnd("FAILED", False)),
        (["Submitting a request for the status"], None),
    ],
)
def test_driver_states_are_read_from_status_output(output, end):
    assert driver_end(output) == end


def test_yarn_cluster_mode_waits_on_the_client_and_polls_nothing(
    workflow, context, stand_in, recorded_calls, job_state
):
    spark = stand_in("spark-submit", "Submitted application application_17_42")
    task = SparkSubmitOperator("spark-job", "app.jar", executable_path=str(spark), deploy_mode="cluster")
    task.start(context)
    wait_until(lambda: task.submission_id == "application_17_42")
    job_state("FINISHED")
    task.await_termination(context, timeout=10)
    assert recorded_calls() == [["spark-submit", "--master", "yarn", "--deploy-mode", "cluster", "app.jar"]]


@pytest.mark.parametrize(
    ("master", "namespace", "submission", "kill"),
    [
        ("yarn", None, "application_17_42", ["yarn", "application", "-kill", "application_17_42"]),
        (
            K8S_MASTER,
            "ml",
            "etl-driver",
            ["spark-submit", "--master", K8S_MASTER, "--kill", "ml:etl-driver"],
        ),
    ],
)
def test_cluster_kill_commands(workflow, master, namespace, submission, kill):
    task = SparkSubmitOperator(
        "job", "app.jar", master=master, deploy_mode="cluster", k8s_namespace=namespace
    )
    assert task.kill_command(submission) == kill


def test_unknown_deploy_mode_is_rejected(workflow):
    with pytest.raises(InvalidInputError, match="deploy_mode"):
        SparkSubmitOperator("job", "app.jar", deploy_mode="remote")


@pytest.mark.parametrize(
    ("sql", "source"),
    [("SELECT 1", ["-e", "SELECT 1"]), ("/jobs/daily.sql", ["-f", "/jobs/daily.sql"])],
)
def test_spark_sql_runs_a_statement_or_a_file(
    workflow, context, stand_in, recorded_calls, sql, source
):
    spark_sql = stand_in("spark-sql", "Spark master: local")
    task = SparkSqlOperator(
        "sql", sql, master="local", application_name="report", executable_path=str(spark_sql)
    )
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)
    assert recorded_calls() == [["spark-sql", "--master", "local", "--name", "report", *source]]
