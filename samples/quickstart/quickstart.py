"""Four tasks: two shell tasks run first, a Python task follows them and sends an event, which starts the last."""

from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator

GREETING_KEY = "quickstart_greeting"


def send_greeting():
    # Inside a task the client talks to the event bus its worker uses; the address is kept for upstream files.
    client = AIFlowNotificationClient("localhost:50052")
    print(f"Sending an event with key {GREETING_KEY}")
    client.send_event(key=GREETING_KEY, value="hello from task3")
    client.close()


with Workflow(name="quickstart_workflow") as workflow:
    task1 = BashOperator(name="task1", bash_command="echo task1 says hello")
    task2 = BashOperator(name="task2", bash_command="echo task2 says hello")
    task3 = PythonOperator(name="task3", python_callable=send_greeting)
    task4 = BashOperator(name="task4", bash_command="echo task4 got the greeting")

    task3.start_after([task1, task2])
    task4.action_on_event_received(action=TaskAction.START, event_key=GREETING_KEY)
