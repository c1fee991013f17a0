"""samples/spark: spark-submit runs the pi example, then spark-sql runs the statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow import ops
from aiflow.model.status import TaskStatus, WorkflowStatus
from tests.integration.samples.conftest import (
    SampleStack,
    log_of,
    runs_of,
    sample_file,
)
from tests.integration.samples.stand_ins import calls, write_stand_in
from tests.support import task_statuses, wait_for_execution


@pytest.fixture
def sample_environment(tmp_path: Path) -> dict[str, str]:
    """A Spark distribution whose ``bin/spark-submit`` and ``bin/spark-sql`` are stand-ins."""
    spark_home = tmp_path / "spark"
    write_stand_in(spark_home, "spark-submit", ["Pi is roughly 3.141592"])
    write_stand_in(spark_home, "spark-sql", ["42", "Time taken: 0.1 seconds, Fetched 1 row(s)"])
    return {"SPARK_HOME": str(spark_home)}


def test_the_pi_job_then_the_query_run_on_a_local_master(
    sample_stack: SampleStack, sample_environment: dict[str, str]
) -> None:
    spark_home = Path(sample_environment["SPARK_HOME"])
    ops.upload_workflows(sample_file("spark", "spark_workflow.py"))

    execution_id = ops.start_workflow_execution("spark_workflow")

    assert wait_for_execution(execution_id).status == WorkflowStatus.SUCCESS
    assert task_statuses(execution_id) == {"spark_pi": TaskStatus.SUCCESS, "spark_sql": TaskStatus.SUCCESS}
    assert calls(spark_home) == [
        ["spark-submit", "--master", "local[2]", "--deploy-mode", "client", "--name", "aiflow_spark_pi",
         str(spark_home / "examples" / "src" / "main" / "python" / "pi.py"), "10"],
        ["spark-sql", "--master", "local[2]", "--name", "aiflow_spark_sql", "-e", "SELECT 6 * 7 AS answer"],
    ]
    assert "Pi is roughly 3.14" in log_of(runs_of(execution_id, "spark_pi")[0])
    assert "Fetched 1 row(s)" in log_of(runs_of(execution_id, "spark_sql")[0])
