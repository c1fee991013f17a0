"""Printing records as a table, JSON, YAML or plain lines (the ``-o`` option)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click
import yaml
from tabulate import tabulate

FORMATS = ("table", "json", "yaml", "plain")


def output_option(func: Any) -> Any:
    """Add ``-o/--output table|json|yaml|plain`` (default table) to a command."""
    return click.option(
        "-o", "--output", type=click.Choice(FORMATS), default="table", show_default=True,
        help="Output format.",
    )(func)


def result_output_option(func: Any) -> Any:
    """Add ``-o/--output`` to a command that changes a record: print that record instead of a message."""
    return click.option(
        "-o", "--output", type=click.Choice(FORMATS), help="Print the changed record in this format.",
    )(func)


def render(rows: Sequence[dict[str, Any]], fmt: str) -> str:
    """Return ``rows`` (dicts sharing their keys) in the format ``fmt``."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2, default=str)
    if fmt == "yaml":
        return yaml.safe_dump(list(rows), sort_keys=False, allow_unicode=True).rstrip()
    if fmt == "plain":
        return "\n".join("\t".join(_cell(v) for v in row.values()) for row in rows)
    if not rows:
        return "No data."
    return tabulate([[_cell(v) for v in row.values()] for row in rows], headers=list(rows[0]), tablefmt="simple")


def echo_rows(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    """Print ``rows`` in the format ``fmt`` (nothing at all for no rows in ``plain``)."""
    text = render(rows, fmt)
    if text:
        click.echo(text)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
