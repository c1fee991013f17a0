"""Compute pi with Spark's example application, then run a Spark SQL statement.

The Spark distribution is found through ``SPARK_HOME`` (default ``/opt/spark``) when the file is
uploaded; the workers must have Spark at the same path. Both jobs run on a local master.
"""

import os

from ai_flow.model.workflow import Workflow
from ai_flow.operators.spark.spark_sql import SparkSqlOperator
from ai_flow.operators.spark.spark_submit import SparkSubmitOperator

SPARK_HOME = os.environ.get("SPARK_HOME", "/opt/spark")

with Workflow(name="spark_workflow") as workflow:
    pi = SparkSubmitOperator(
        name="spark_pi",
        application=os.path.join(SPARK_HOME, "examples", "src", "main", "python", "pi.py"),
        application_args=[10],
        master="local[2]",
        application_name="aiflow_spark_pi",
        executable_path=os.path.join(SPARK_HOME, "bin", "spark-submit"),
    )
    query = SparkSqlOperator(
        name="spark_sql",
        sql="SELECT 6 * 7 AS answer",
        master="local[2]",
        application_name="aiflow_spark_sql",
        executable_path=os.path.join(SPARK_HOME, "bin", "spark-sql"),
    )
    query.start_after(pi)
