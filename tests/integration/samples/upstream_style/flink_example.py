"""A Flink batch job, then a streaming job once it has finished; jars are found below ${FLINK_HOME}."""
from ai_flow.common.env import expand_env_var
from ai_flow.model.workflow import Workflow
from ai_flow.operators.flink.flink_operator import FlinkOperator

with Workflow(name='upstream_style_flink') as workflow:
    word_count = FlinkOperator(name='word-count',
                               target='yarn-per-job',
                               application=expand_env_var('${FLINK_HOME}/examples/batch/WordCount.jar'))
    windowing = FlinkOperator(name='top-speed-windowing',
                              target='yarn-per-job',
                              application=expand_env_var('$FLINK_HOME/examples/streaming/TopSpeedWindowing.jar'))
    windowing.start_after([word_count, ])
