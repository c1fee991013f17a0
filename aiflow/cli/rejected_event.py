"""``aiflow rejected-event``: the events the scheduler could not apply, and why."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import output_option
from aiflow.cli.resources import echo_records
from aiflow.ops import rejected_event_ops as ops


@click.group("rejected-event", cls=AIFlowGroup)
def rejected_event() -> None:
    """Show the events the scheduler rejected (it skipped them and went on)."""


@rejected_event.command("list")
@click.option("-n", "--namespace", help="Only this namespace's (default: every namespace, for admin tokens).")
@output_option
def list_(namespace: str | None, output: str) -> None:
    """List rejected events with why each was rejected, oldest first."""
    echo_records(ops.list_rejected_events(namespace), output)
