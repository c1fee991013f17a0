"""One task that runs until it is stopped, for stopping and restarting it from the web UI."""

from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="long_task_workflow") as workflow:
    BashOperator(name="sleeper", bash_command="sleep 300")
