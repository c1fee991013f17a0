"""``aiflow workflow-execution``: start, stop, list, show and delete workflow executions."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import output_option
from aiflow.cli.resources import confirm, echo_record, echo_records, namespace_option, yes_option
from aiflow.ops import workflow_execution_ops as ops

execution_id_argument = click.argument("workflow_execution_id", type=int)


@click.group("workflow-execution", cls=AIFlowGroup)
def workflow_execution() -> None:
    """Manage workflow executions."""


@workflow_execution.command()
@namespace_option
@click.argument("workflow_name")
def start(workflow_name: str, namespace: str) -> None:
    """Start an execution of a workflow."""
    execution_id = ops.start_workflow_execution(workflow_name, namespace)
    click.echo(f"Started workflow execution {execution_id} of {namespace}/{workflow_name}.")


@workflow_execution.command()
@execution_id_argument
def stop(workflow_execution_id: int) -> None:
    """Stop a workflow execution."""
    ops.stop_workflow_execution(workflow_execution_id)
    click.echo(f"Asked to stop workflow execution {workflow_execution_id}.")


@workflow_execution.command("stop-all")
@namespace_option
@yes_option
@click.argument("workflow_name")
def stop_all(workflow_name: str, namespace: str, yes: bool) -> None:
    """Stop every unfinished execution of a workflow."""
    confirm(yes, f"Stop all executions of workflow {namespace}/{workflow_name}?")
    ops.stop_workflow_executions(workflow_name, namespace)
    click.echo(f"Asked to stop all executions of workflow {namespace}/{workflow_name}.")


@workflow_execution.command("list")
@namespace_option
@output_option
@click.argument("workflow_name")
def list_(workflow_name: str, namespace: str, output: str) -> None:
    """List the executions of a workflow."""
    echo_records(ops.list_workflow_executions(workflow_name, namespace), output)


@workflow_execution.command()
@output_option
@execution_id_argument
def show(workflow_execution_id: int, output: str) -> None:
    """Show a workflow execution."""
    execution = ops.get_workflow_execution(workflow_execution_id)
    echo_record(execution, output, f"workflow execution {workflow_execution_id}")


@workflow_execution.command()
@yes_option
@execution_id_argument
def delete(workflow_execution_id: int, yes: bool) -> None:
    """Delete a finished workflow execution."""
    confirm(yes, f"Delete workflow execution {workflow_execution_id}?")
    ops.delete_workflow_execution(workflow_execution_id)
    click.echo(f"Deleted workflow execution {workflow_execution_id}.")
