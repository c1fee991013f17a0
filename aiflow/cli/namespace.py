"""``aiflow namespace``: add, list and delete namespaces."""

from __future__ import annotations

import json
from typing import Any

import click

from aiflow.cli.base import AIFlowGroup, CommandError
from aiflow.cli.output import output_option
from aiflow.cli.resources import confirm, echo_records, yes_option
from aiflow.ops import namespace_ops as ops


@click.group("namespace", cls=AIFlowGroup)
def namespace() -> None:
    """Manage namespaces."""


@namespace.command()
@click.option("--properties", help='Properties of the namespace as a JSON object, e.g. \'{"owner": "ml"}\'.')
@click.argument("namespace_name")
def add(namespace_name: str, properties: str | None) -> None:
    """Create a namespace."""
    ops.add_namespace(namespace_name, parse_properties(properties))
    click.echo(f"Added namespace {namespace_name}.")


@namespace.command()
@yes_option
@click.argument("namespace_name")
def delete(namespace_name: str, yes: bool) -> None:
    """Delete an empty namespace."""
    confirm(yes, f"Delete namespace {namespace_name}?")
    ops.delete_namespace(namespace_name)
    click.echo(f"Deleted namespace {namespace_name}.")


@namespace.command("list")
@output_option
def list_(output: str) -> None:
    """List the namespaces."""
    echo_records(ops.list_namespace(), output)


def parse_properties(text: str | None) -> dict[str, Any] | None:
    """Parse ``--properties``: a JSON object, or nothing."""
    if text is None:
        return None
    try:
        properties = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(f"--properties is not valid JSON: {exc}") from exc
    if not isinstance(properties, dict):
        raise CommandError(f"--properties must be a JSON object, got {type(properties).__name__}")
    return properties
