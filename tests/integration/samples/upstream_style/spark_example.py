"""SparkPi with spark-submit on a local master; the examples jar is found below ${SPARK_HOME}."""
from ai_flow.common.env import expand_env_var
from ai_flow.model.workflow import Workflow
from ai_flow.operators.spark.spark_submit import SparkSubmitOperator

with Workflow(name='upstream_style_spark') as workflow:
    pi = SparkSubmitOperator(name='spark-pi',
                             application=expand_env_var('${SPARK_HOME}/examples/jars/spark-examples.jar'),
                             application_args=['10'],
                             master='local[2]',
                             application_name='upstream_style_spark_pi',
                             submit_options='--class org.apache.spark.examples.SparkPi')
