"""Submit Flink's WordCount example with ``flink run``; a second task runs once the job has finished.

The Flink distribution is found through ``FLINK_HOME`` (default ``/opt/flink``) when the file is
uploaded; the workers must have Flink at the same path.
"""

import os

from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.flink.flink_operator import FlinkOperator

FLINK_HOME = os.environ.get("FLINK_HOME", "/opt/flink")

with Workflow(name="flink_workflow") as workflow:
    word_count = FlinkOperator(
        name="word_count",
        application=os.path.join(FLINK_HOME, "examples", "streaming", "WordCount.jar"),
        application_args=["--output", "/tmp/aiflow_flink_word_count"],
        command_options="--parallelism 2",
        executable_path=os.path.join(FLINK_HOME, "bin", "flink"),
    )
    announce = BashOperator(name="announce", bash_command="echo the word counts are in /tmp/aiflow_flink_word_count")
    announce.start_after(word_count)
