"""``aiflow task-execution``: list, show, start and stop task executions, and read their logs."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import output_option
from aiflow.cli.resources import echo_record, echo_records
from aiflow.ops import task_execution_ops as ops

execution_id_argument = click.argument("workflow_execution_id", type=int)


@click.group("task-execution", cls=AIFlowGroup)
def task_execution() -> None:
    """Manage task executions."""


@task_execution.command("list")
@output_option
@execution_id_argument
def list_(workflow_execution_id: int, output: str) -> None:
    """List the task executions of a workflow execution."""
    echo_records(ops.list_task_executions(workflow_execution_id), output)


@task_execution.command()
@output_option
@click.argument("task_execution_id", type=int)
def show(task_execution_id: int, output: str) -> None:
    """Show a task execution."""
    echo_record(ops.get_task_execution(task_execution_id), output, f"task execution {task_execution_id}")


@task_execution.command()
@execution_id_argument
@click.argument("task_name")
def start(workflow_execution_id: int, task_name: str) -> None:
    """Start (or restart) a task of a workflow execution."""
    ops.start_task_execution(workflow_execution_id, task_name)
    click.echo(f"Asked to start task {task_name} of workflow execution {workflow_execution_id}.")


@task_execution.command()
@execution_id_argument
@click.argument("task_name")
def stop(workflow_execution_id: int, task_name: str) -> None:
    """Stop the running task of a workflow execution."""
    ops.stop_task_execution(workflow_execution_id, task_name)
    click.echo(f"Asked to stop task {task_name} of workflow execution {workflow_execution_id}.")


@task_execution.command()
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the try ends.")
@click.option("--try-number", type=click.IntRange(min=1), help="The try to show (default: the latest).")
@click.argument("task_execution_id", type=int)
def logs(task_execution_id: int, follow: bool, try_number: int | None) -> None:
    """Print the log of a task execution."""
    for line in ops.task_execution_log_lines(task_execution_id, try_number, follow=follow):
        click.echo(line)
