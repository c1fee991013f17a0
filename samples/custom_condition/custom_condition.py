"""A custom, stateful condition: the consumer runs once for every 100 records the producer reports.

The producer sends one event per batch it writes, with the batch size as the value. The condition
adds the sizes up in a value state, which the scheduler keeps (durably) per workflow execution;
when the sum reaches 100 it is met and starts counting again.
"""

import time

from ai_flow.model.action import TaskAction
from ai_flow.model.condition import Condition
from ai_flow.model.context import Context
from ai_flow.model.state import ValueState, ValueStateDescriptor
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator
from notification_service.model.event import Event

RECORDS_KEY = "records_written"
THRESHOLD = 100
BATCHES = [20, 30, 10, 25, 15, 40]
"""Batch sizes the producer reports: the running sum reaches 100 with the fifth batch."""


class EnoughRecords(Condition):
    """Met each time another ``threshold`` records have been reported."""

    def __init__(self, expect_event_keys, threshold):
        super().__init__(expect_event_keys)
        self.threshold = threshold

    def is_met(self, event: Event, context: Context) -> bool:
        state: ValueState = context.get_state(ValueStateDescriptor(name="records_since_last_run"))
        total = (state.value() or 0) + int(event.value)
        if total >= self.threshold:
            state.update(total - self.threshold)
            return True
        state.update(total)
        return False


def produce():
    client = AIFlowNotificationClient("localhost:50052")
    total = 0
    for size in BATCHES:
        total += size
        print(f"Reporting a batch of {size} records, {total} in all", flush=True)
        client.send_event(key=RECORDS_KEY, value=str(size))
        time.sleep(1)
    client.close()


with Workflow(name="custom_condition_workflow") as workflow:
    producer = PythonOperator(name="producer", python_callable=produce)
    consumer = BashOperator(name="consumer", bash_command=f"echo {THRESHOLD} more records are ready")
    consumer.action_on_condition(action=TaskAction.START,
                                 condition=EnoughRecords(expect_event_keys=[RECORDS_KEY], threshold=THRESHOLD))
