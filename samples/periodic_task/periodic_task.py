"""A task that runs every two seconds, and a task that runs after each of its runs."""

from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="periodic_task_workflow") as workflow:
    # 'interval@<days> <hours> <minutes> <seconds>'; a crontab works too: 'cron@*/5 * * * *'.
    heartbeat = BashOperator(name="heartbeat",
                             bash_command="echo heartbeat at $(date +%T)",
                             periodic_expression="interval@0 0 0 2")
    report = BashOperator(name="report", bash_command="echo the heartbeat task finished a run")
    report.start_after(heartbeat)
