"""FlinkOperator builds the documented command lines and cancels the job it submitted."""

from __future__ import annotations

import pytest

from aiflow.operators.flink.flink_operator import FlinkOperator

JOB_ID = "0123456789abcdef0123456789abcdef"
BANNER = f"Job has been submitted with JobID {JOB_ID}"
K8S = ["-t", "kubernetes-application", "-Dkubernetes.cluster-id=c1"]


@pytest.mark.parametrize(
    ("options", "submit", "stop"),
    [
        (
            {"application": "app.jar", "application_args": ["--input", 3]},
            ["run", "app.jar", "--input", "3"],
            ["cancel", JOB_ID],
        ),
        (
            {
                "application": "job.py",
                "target": "yarn-per-job",
                "command_options": "-D a=b --class 'Main X'",
            },
            ["run", "-t", "yarn-per-job", "-D", "a=b", "--class", "Main X", "-py", "job.py"],
            ["cancel", "-t", "yarn-per-job", JOB_ID],
        ),
        (
            {
                "application": "local:///app.jar",
                "target": "kubernetes-application",
                "application_mode": True,
                "kubernetes_cluster_id": "c1",
                "stop_with_savepoint": True,
                "savepoint_path": "s3://sp",
            },
            ["run-application", *K8S, "local:///app.jar"],
            ["stop", *K8S, "--savepointPath", "s3://sp", JOB_ID],
        ),
        (
            {"application": "app.jar", "stop_with_savepoint": True},
            ["run", "app.jar"],
            ["stop", JOB_ID],
        ),
    ],
)
def test_submit_then_stop_runs_the_documented_commands(
    workflow, context, stand_in, recorded_calls, wait_until, options, submit, stop
):
    flink = stand_in("flink", BANNER)
    task = FlinkOperator("flink-job", executable_path=str(flink), **options)

    task.start(context)
    wait_until(lambda: task.job_id == JOB_ID)
    task.stop(context)

    assert recorded_calls() == [["flink", *submit], ["flink", *stop]]
    assert task.get_metrics(context) == {"job_id": JOB_ID}


def test_stop_before_the_job_id_is_known_only_ends_the_client(
    workflow, context, stand_in, recorded_calls, wait_until
):
    flink = stand_in("flink", "Starting the client")
    task = FlinkOperator("flink-job", application="app.jar", executable_path=str(flink))
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)
    assert recorded_calls() == [["flink", "run", "app.jar"]]
    assert task.get_metrics(context) == {}
