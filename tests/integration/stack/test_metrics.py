"""The metrics of the API server, the scheduler and a worker after a workflow ran (docs/metrics.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow import ops
from aiflow.config import load_server_config
from aiflow.config.server import ServerConfig
from aiflow.model.status import TaskStatus, WorkflowStatus
from notification.client import NotificationClient
from tests.integration.stack.conftest import write_workflow
from tests.integration.workers.conftest import WorkerProcess
from tests.support import Scrape, free_port, scrape, task_statuses, wait_for_execution, wait_until

WORKFLOW = "metered"
METERED = f'''
from ai_flow.model.action import TaskAction
from ai_flow.model.workflow import Workflow
from ai_flow.notification.notification_client import AIFlowNotificationClient
from ai_flow.operators.bash import BashOperator
from ai_flow.operators.python import PythonOperator


def send_go():
    AIFlowNotificationClient("localhost:50052").send_event(key="go", value="now")


with Workflow(name="{WORKFLOW}") as workflow:
    ok = BashOperator(name="ok", bash_command="echo ok")
    BashOperator(name="fails", bash_command="exit 3")
    signal = PythonOperator(name="signal", python_callable=send_go)
    signal.start_after([ok])
    last = BashOperator(name="last", bash_command="echo last")
    last.action_on_event_received(action=TaskAction.START, event_key="go")
'''
"""Four tasks: three succeed, one fails; two START rules fire (``signal`` after ``ok``, ``last`` on ``go``)."""

EXECUTIONS_ROUTE = "/api/v1/namespaces/<namespace>/workflows/<name>/executions"


@pytest.fixture
def stack_config(stack_config: ServerConfig, monkeypatch: pytest.MonkeyPatch) -> ServerConfig:
    """The stack's configuration, with free ports for the scheduler's and the worker's metrics."""
    monkeypatch.setenv("AIFLOW_SCHEDULER_METRICS_PORT", str(free_port()))
    monkeypatch.setenv("AIFLOW_WORKER_METRICS_PORT", str(free_port()))
    return load_server_config()


def scheduler_caught_up(config: ServerConfig, bus: NotificationClient) -> Scrape | None:
    """The scheduler's scrape once it has applied the whole log, else None."""
    scraped = scrape(f"http://127.0.0.1:{config.scheduler_metrics_port}/metrics")
    return scraped if scraped.value("aiflow_scheduler_applied_offset") == bus.latest_offset() else None


def test_each_process_counts_what_the_workflow_did(
    stack: WorkerProcess, stack_config: ServerConfig, bus: NotificationClient, tmp_path: Path
) -> None:
    ops.upload_workflows(write_workflow(tmp_path, METERED))
    execution_id = ops.start_workflow_execution(WORKFLOW)
    assert wait_for_execution(execution_id).status == WorkflowStatus.FAILED
    statuses = list(task_statuses(execution_id).values())
    assert sorted(statuses) == sorted([TaskStatus.SUCCESS] * 3 + [TaskStatus.FAILED])

    scheduler = wait_until(lambda: scheduler_caught_up(stack_config, bus), message="the scheduler to catch up")
    worker = wait_until(lambda: (now := scrape(f"http://127.0.0.1:{stack_config.worker_metrics_port}/metrics"))
                        .value("aiflow_worker_tries_in_progress") == 0 and now,
                        message="the worker to count its last report")  # it counts a report once stored
    api = scrape(f"{stack_config.api_server_address}/metrics")

    of_workflow = {"namespace": "default", "workflow": WORKFLOW}
    for status in (TaskStatus.SUCCESS, TaskStatus.FAILED):
        assert scheduler.value("aiflow_task_executions_ended_total", **of_workflow, status=status.value) \
            == statuses.count(status)
        assert worker.value("aiflow_worker_tries_total", **of_workflow, status=status.value) == statuses.count(status)
    assert scheduler.value("aiflow_task_duration_seconds_count", **of_workflow) == len(statuses)
    assert scheduler.value("aiflow_scheduler_rule_actions_total", **of_workflow, action="START") == 2
    assert scheduler.value("aiflow_scheduler_events_total", namespace="default") \
        == bus.count_events(namespace="default") >= 2 * len(statuses) + 2  # RUNNING and final reports, go, start
    assert scheduler.value("aiflow_scheduler_leader") == 1
    assert scheduler.value("aiflow_scheduler_leadership_acquisitions_total") == 1
    assert scheduler.value("aiflow_scheduler_lag_events") == 0
    assert scheduler.value("aiflow_scheduler_lag_seconds") == 0
    assert scheduler.value("aiflow_scheduler_outbox_pending_jobs") == 0
    assert scheduler.value("aiflow_broker_queue_length", queue="aiflow") == 0
    assert scheduler.value("aiflow_scheduler_heartbeat_timeouts_total", **of_workflow) is None
    assert (scheduler.value("aiflow_scheduler_batch_duration_seconds_count") or 0) >= 1
    assert worker.value("aiflow_event_to_task_start_seconds_count", **of_workflow) == len(statuses)
    assert worker.value("aiflow_worker_tries_in_progress") == 0
    assert worker.value("aiflow_worker_heartbeat_age_seconds") == 0
    assert api.value("aiflow_api_requests_total", route=EXECUTIONS_ROUTE, method="POST", status="201") == 1
    assert api.value("aiflow_api_request_duration_seconds_count", route=EXECUTIONS_ROUTE, method="POST") == 1
    assert not any("/namespaces/default/" in dict(labels).get("route", "") for _, labels in api.samples)
