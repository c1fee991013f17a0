"""FlinkOperator runs the documented command lines, follows application-mode jobs and cancels them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from aiflow.errors import InvalidInputError
from aiflow.operators.errors import TaskFailedError, TaskTimeoutError
from aiflow.operators.flink.flink_operator import FlinkOperator
from tests.support import wait_until
from tests.unit.operators.conftest import JOB_ID

BANNER = f"Job has been submitted with JobID {JOB_ID}"
DEPLOYED = "Create flink application cluster c1 successfully"
K8S = ["-t", "kubernetes-application", "-Dkubernetes.cluster-id=c1"]
APPLICATION_MODE = {
    "application": "local:///app.jar",
    "target": "kubernetes-application",
    "application_mode": True,
    "kubernetes_cluster_id": "c1",
    "jobs_info_poll_interval": 0.02,
}
SUBMIT_APPLICATION = ["flink", "run-application", *K8S, "local:///app.jar"]
LIST = ["flink", "list", "-a", *K8S]


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
            {"application": "app.jar", "stop_with_savepoint": True, "savepoint_path": "s3://sp"},
            ["run", "app.jar"],
            ["stop", "--savepointPath", "s3://sp", JOB_ID],
        ),
        (
            {"application": "app.jar", "stop_with_savepoint": True},
            ["run", "app.jar"],
            ["stop", JOB_ID],
        ),
    ],
)
def test_attached_submit_then_stop_runs_the_documented_commands(
    workflow, context, stand_in, recorded_calls, options, submit, stop
):
    flink = stand_in("flink", BANNER)
    task = FlinkOperator("flink-job", executable_path=str(flink), **options)

    task.start(context)
    wait_until(lambda: task.job_id == JOB_ID)
    task.stop(context)

    assert recorded_calls() == [["flink", *submit], ["flink", *stop]]
    assert task.get_metrics(context) == {"job_id": JOB_ID}
    with pytest.raises(TaskFailedError, match="failed with exit code"):
        task.await_termination(context)


def test_attached_job_that_finishes_succeeds(workflow, context, stand_in, job_state):
    task = FlinkOperator("flink-job", "app.jar", executable_path=str(stand_in("flink", BANNER)))
    task.start(context)
    wait_until(lambda: task.job_id == JOB_ID)
    job_state("FINISHED")
    task.await_termination(context, timeout=10)


def test_stop_before_the_job_id_is_known_only_ends_the_client(workflow, context, stand_in, recorded_calls):
    flink = stand_in("flink", "Starting the client")
    task = FlinkOperator("flink-job", application="app.jar", executable_path=str(flink))
    task.start(context)
    wait_until(recorded_calls)
    task.stop(context)
    assert recorded_calls() == [["flink", "run", "app.jar"]]
    assert task.get_metrics(context) == {}


@pytest.fixture
def followed(workflow, context, stand_in, recorded_calls):
    """An application-mode task awaited in a thread, once the cluster lists its job as RUNNING.

    Yields the task and the future of its ``await_termination``.
    """
    flink = stand_in("flink", DEPLOYED, detached=True)
    task = FlinkOperator("flink-app", executable_path=str(flink), **APPLICATION_MODE)
    task.start(context)
    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(task.await_termination, context, 10)
        wait_until(lambda: recorded_calls() == [SUBMIT_APPLICATION, LIST] and task.job_id == JOB_ID)
        yield task, waiting
        task.stop(context)


@pytest.mark.parametrize("final_state", ["FINISHED", ""], ids=["finished", "no longer listed"])
def test_application_mode_succeeds_when_the_job_is_no_longer_running(
    followed, job_state, recorded_calls, final_state
):
    task, waiting = followed
    assert task.job_id == JOB_ID  # adopted from the listing: run-application printed none
    assert not waiting.done()
    job_state(final_state)
    assert waiting.result(timeout=5) is None
    assert recorded_calls() == [SUBMIT_APPLICATION, LIST]


def test_application_mode_fails_when_the_job_failed(followed, job_state):
    _, waiting = followed
    job_state("FAILED")
    with pytest.raises(TaskFailedError, match="its job ended FAILED"):
        waiting.result(timeout=5)


def test_stop_cancels_an_application_job_while_it_is_followed(followed, context, recorded_calls):
    task, waiting = followed
    task.stop(context)
    with pytest.raises(TaskFailedError, match="was stopped while its job ran"):
        waiting.result(timeout=5)
    assert recorded_calls() == [SUBMIT_APPLICATION, LIST, ["flink", "cancel", *K8S, JOB_ID]]


def test_application_mode_times_out_while_the_job_runs(workflow, context, stand_in, recorded_calls):
    flink = stand_in("flink", DEPLOYED, detached=True)
    task = FlinkOperator("flink-app", executable_path=str(flink), **APPLICATION_MODE)
    task.start(context)
    with pytest.raises(TaskTimeoutError, match="its job has not ended"):
        task.await_termination(context, timeout=1)
    assert recorded_calls() == [SUBMIT_APPLICATION, LIST]


def test_application_mode_stops_with_a_savepoint(workflow, context, stand_in, recorded_calls):
    flink = stand_in("flink", BANNER, detached=True)
    task = FlinkOperator(
        "flink-app", executable_path=str(flink), stop_with_savepoint=True, savepoint_path="s3://sp", **APPLICATION_MODE
    )
    task.start(context)
    wait_until(lambda: task.job_id == JOB_ID)
    task.stop(context)
    assert recorded_calls() == [SUBMIT_APPLICATION, ["flink", "stop", *K8S, "--savepointPath", "s3://sp", JOB_ID]]


def test_a_listing_that_keeps_failing_fails_the_task(workflow, context, stand_in, tmp_path, recorded_calls):
    flink = stand_in("flink", DEPLOYED, detached=True)
    task = FlinkOperator("flink-app", executable_path=str(flink), **APPLICATION_MODE)
    task.start(context)
    wait_until((tmp_path / "job_state").exists)
    (tmp_path / "job_state").unlink()  # the cluster is gone: flink list exits 1
    with pytest.raises(TaskFailedError, match="`.*flink list -a .*` failed 10 times in a row"):
        task.await_termination(context, timeout=10)


@pytest.mark.parametrize("interval", [0, -1, "1", True])
def test_poll_interval_must_be_a_positive_number(workflow, interval):
    with pytest.raises(InvalidInputError, match="jobs_info_poll_interval must be a positive number"):
        FlinkOperator("flink-app", "app.jar", jobs_info_poll_interval=interval)
    assert workflow.tasks == {}
