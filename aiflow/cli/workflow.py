"""``aiflow workflow``: upload, list, show, enable, disable and delete workflows."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import output_option, result_output_option
from aiflow.cli.resources import confirm, echo_record, echo_records, namespace_option, yes_option
from aiflow.ops import workflow_ops as ops


@click.group("workflow", cls=AIFlowGroup)
def workflow() -> None:
    """Manage workflows."""


@workflow.command()
@click.option("-f", "--files", help="Comma-separated files and directories to upload along with the workflow.")
@click.argument("file_path", type=click.Path(exists=True, dir_okay=False))
def upload(file_path: str, files: str | None) -> None:
    """Upload the workflows of FILE_PATH with their artifacts."""
    artifacts = [path.strip() for path in (files or "").split(",") if path.strip()]
    for uploaded in ops.upload_workflows(file_path, artifacts):
        click.echo(f"Uploaded workflow {uploaded.namespace}/{uploaded.name} (snapshot {uploaded.snapshot_id}).")


@workflow.command("list")
@namespace_option
@output_option
def list_(namespace: str, output: str) -> None:
    """List the workflows of a namespace."""
    echo_records(ops.list_workflows(namespace), output)


@workflow.command()
@namespace_option
@output_option
@click.argument("workflow_name")
def show(workflow_name: str, namespace: str, output: str) -> None:
    """Show a workflow."""
    echo_record(ops.get_workflow(workflow_name, namespace), output, f"workflow {namespace}/{workflow_name}")


@workflow.command()
@namespace_option
@result_output_option
@click.argument("workflow_name")
def enable(workflow_name: str, namespace: str, output: str | None) -> None:
    """Let a disabled workflow start executions again."""
    ops.enable_workflow(workflow_name, namespace)
    report_change(workflow_name, namespace, output, "Enabled")


@workflow.command()
@namespace_option
@result_output_option
@click.argument("workflow_name")
def disable(workflow_name: str, namespace: str, output: str | None) -> None:
    """Stop a workflow from starting executions; running ones go on."""
    ops.disable_workflow(workflow_name, namespace)
    report_change(workflow_name, namespace, output, "Disabled")


def report_change(workflow_name: str, namespace: str, output: str | None, verb: str) -> None:
    """Print the changed workflow in the ``-o`` format, or ``<verb> workflow <ns>/<name>.`` without one."""
    if output is None:
        click.echo(f"{verb} workflow {namespace}/{workflow_name}.")
    else:
        echo_record(ops.get_workflow(workflow_name, namespace), output, f"workflow {namespace}/{workflow_name}")


@workflow.command()
@namespace_option
@yes_option
@click.argument("workflow_name")
def delete(workflow_name: str, namespace: str, yes: bool) -> None:
    """Delete a workflow with its snapshots, schedules, triggers and executions."""
    confirm(yes, f"Delete workflow {namespace}/{workflow_name} and everything recorded about it?")
    ops.delete_workflow(workflow_name, namespace)
    click.echo(f"Deleted workflow {namespace}/{workflow_name}.")
