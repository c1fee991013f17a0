"""The commands ``workflow-schedule`` and ``workflow-trigger`` share: show, list, pause, resume, delete.

Schedules and triggers both belong to a workflow and live the same way, so
:func:`add_attachment_commands` adds the same commands to each group, given
the SDK functions of its kind.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import click

from aiflow.cli.output import output_option
from aiflow.cli.resources import confirm, echo_record, echo_records, namespace_option, yes_option
from aiflow.ops.meta import Meta


@dataclass(frozen=True)
class AttachmentOps:
    """The SDK functions of one kind of attachment, and how messages name it."""

    label: str  # "workflow schedule"
    get: Callable[[int], Meta | None]
    list: Callable[[str, str], Sequence[Meta] | None]
    pause: Callable[[int], None]
    resume: Callable[[int], None]
    delete: Callable[[int], None]
    delete_all: Callable[[str, str], None]


def add_attachment_commands(group: click.Group, ops: AttachmentOps) -> None:
    """Add ``show``, ``list``, ``pause``, ``resume``, ``delete`` and ``delete-all`` for ``ops`` to ``group``."""
    id_argument = click.argument("attachment_id", metavar=f"{ops.label.replace(' ', '_').upper()}_ID", type=int)

    @group.command("show", help=f"Show a {ops.label} by id.")
    @output_option
    @id_argument
    def show(attachment_id: int, output: str) -> None:
        echo_record(ops.get(attachment_id), output, f"{ops.label} {attachment_id}")

    @group.command("list", help=f"List the {ops.label}s of a workflow.")
    @namespace_option
    @output_option
    @click.argument("workflow_name")
    def list_(workflow_name: str, namespace: str, output: str) -> None:
        echo_records(ops.list(workflow_name, namespace), output)

    @group.command("pause", help=f"Pause a {ops.label}.")
    @id_argument
    def pause(attachment_id: int) -> None:
        ops.pause(attachment_id)
        click.echo(f"Paused {ops.label} {attachment_id}.")

    @group.command("resume", help=f"Resume a paused {ops.label}.")
    @id_argument
    def resume(attachment_id: int) -> None:
        ops.resume(attachment_id)
        click.echo(f"Resumed {ops.label} {attachment_id}.")

    @group.command("delete", help=f"Delete a {ops.label} by id.")
    @yes_option
    @id_argument
    def delete(attachment_id: int, yes: bool) -> None:
        confirm(yes, f"Delete {ops.label} {attachment_id}?")
        ops.delete(attachment_id)
        click.echo(f"Deleted {ops.label} {attachment_id}.")

    @group.command("delete-all", help=f"Delete all {ops.label}s of a workflow.")
    @namespace_option
    @yes_option
    @click.argument("workflow_name")
    def delete_all(workflow_name: str, namespace: str, yes: bool) -> None:
        confirm(yes, f"Delete all {ops.label}s of workflow {namespace}/{workflow_name}?")
        ops.delete_all(workflow_name, namespace)
        click.echo(f"Deleted all {ops.label}s of workflow {namespace}/{workflow_name}.")
