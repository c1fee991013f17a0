"""One workflow's task sends an event; a workflow trigger starts a second workflow when it arrives.

``python event_trigger.py`` uploads both workflows, adds the trigger and starts the first workflow.
"""

from ai_flow.model.internal.conditions import SingleEventCondition
from ai_flow.model.rule import WorkflowRule
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator

from ai_flow import ops

DATASET_READY = "dataset_ready"


def announce_dataset():
    client = AIFlowNotificationClient("localhost:50052")
    client.send_event(key=DATASET_READY, value="sales-2024-06")
    client.close()
    print(f"Sent {DATASET_READY}", flush=True)


with Workflow(name="ingest_workflow") as ingest:
    load = BashOperator(name="load", bash_command="echo loading the sales data")
    announce = PythonOperator(name="announce", python_callable=announce_dataset)
    announce.start_after(load)

with Workflow(name="report_workflow") as report:
    BashOperator(name="build_report", bash_command="echo building the report of the new data set")


if __name__ == "__main__":
    ops.upload_workflows(__file__)
    if not ops.list_workflow_triggers("report_workflow"):  # running the script again adds no second trigger
        ops.add_workflow_trigger(WorkflowRule(SingleEventCondition(expect_event_key=DATASET_READY)),
                                 workflow_name="report_workflow")
    execution_id = ops.start_workflow_execution("ingest_workflow")
    print(f"Started execution {execution_id} of ingest_workflow; report_workflow starts when it sends {DATASET_READY}.")
