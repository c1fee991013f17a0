"""Spark operators build the documented command lines and stop what they submitted."""

from __future__ import annotations

import pytest

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError
from aiflow.operators.spark.spark_sql import SparkSqlOperator
from aiflow.operators.spark.spark_submit import SparkSubmitOperator

DRIVER = "driver-20240101000000-0007"
K8S_MASTER = "k8s://https://k:443"


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
    workflow, context, stand_in, recorded_calls, wait_until, options, submit
):
    spark = stand_in("spark-submit", "Running Spark version 3.5.0")
    task = SparkSubmitOperator("spark-job", executable_path=str(spark), **options)
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)

    assert recorded_calls() == [["spark-submit", *submit]]
    with pytest.raises(TaskFailedError, match="exit code -15"):
        task.await_termination(context)


def test_cluster_mode_stop_kills_the_submitted_driver(
    workflow, context, stand_in, recorded_calls, wait_until
):
    spark = stand_in("spark-submit", f"Driver successfully submitted as {DRIVER}")
    task = SparkSubmitOperator(
        "spark-job", "app.jar", executable_path=str(spark), master="spark://m:7077", deploy_mode="cluster"
    )
    task.start(context)
    wait_until(lambda: task.submission_id == DRIVER)
    task.stop(context)

    assert recorded_calls() == [
        ["spark-submit", "--master", "spark://m:7077", "--deploy-mode", "cluster", "app.jar"],
        ["spark-submit", "--master", "spark://m:7077", "--kill", DRIVER],
    ]
    assert task.get_metrics(context) == {"submission_id": DRIVER}


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
    workflow, context, stand_in, recorded_calls, wait_until, sql, source
):
    spark_sql = stand_in("spark-sql", "Spark master: local")
    task = SparkSqlOperator(
        "sql", sql, master="local", application_name="report", executable_path=str(spark_sql)
    )
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)
    assert recorded_calls() == [["spark-sql", "--master", "local", "--name", "report", *source]]
