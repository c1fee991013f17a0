"""What the commands over the server's resources share: options, confirmations and printing records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from aiflow.cli.base import CommandError
from aiflow.cli.output import echo_rows
from aiflow.ops.meta import Meta
from notification.event import DEFAULT_NAMESPACE


def namespace_option(func: Any) -> Any:
    """Add ``-n/--namespace`` (default ``default``), the namespace holding the workflow."""
    return click.option(
        "-n", "--namespace", default=DEFAULT_NAMESPACE, show_default=True, help="Namespace that contains the workflow."
    )(func)


def yes_option(func: Any) -> Any:
    """Add ``-y/--yes``, which skips the confirmation prompt."""
    return click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")(func)


def confirm(yes: bool, question: str) -> None:
    """Ask ``question`` unless ``yes``; a refusal aborts the command (exit code 1)."""
    if not yes:
        click.confirm(question, abort=True)


def echo_records(records: Sequence[Meta] | None, fmt: str) -> None:
    """Print records (``None`` meaning none) in the ``-o`` format ``fmt``."""
    echo_rows([record.to_row() for record in records or ()], fmt)


def echo_record(record: Meta | None, fmt: str, what: str) -> None:
    """Print one record, or fail with ``<what> does not exist`` when it is ``None``."""
    if record is None:
        raise CommandError(f"{what} does not exist")
    echo_records([record], fmt)
