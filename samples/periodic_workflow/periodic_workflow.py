"""A small two-step workflow meant to run on a schedule: the schedule is added after the upload."""

from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="periodic_workflow") as workflow:
    collect = BashOperator(name="collect", bash_command="echo collected the numbers of $(date +%T)")
    publish = BashOperator(name="publish", bash_command="echo published a report")
    publish.start_after(collect)
