"""``config init | list | get-value``, shared by the ``aiflow`` and ``notification`` commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import yaml

from aiflow.cli.base import AIFlowGroup, CommandError
from aiflow.config.loader import config_items, write_config_file


@dataclass(frozen=True)
class ConfigFile:
    """One configuration file a command manages: where it lives, its schema, how it is loaded."""

    path: Callable[[], Path]
    schema: type
    load: Callable[[], Any]


def make_config_group(files: Sequence[ConfigFile]) -> click.Group:
    """Build the ``config`` group over ``files`` (searched in order by ``get-value``)."""

    @click.group("config", cls=AIFlowGroup)
    def group() -> None:
        """Manage configuration files."""

    @group.command("init")
    def init() -> None:
        """Write the default configuration files; existing files are left as they are."""
        for file in files:
            path = file.path()
            written = write_config_file(path, file.schema)
            click.echo(f"Wrote {path}" if written else f"{path} already exists; left unchanged.")

    @group.command("list")
    @click.option("--color", type=click.Choice(["auto", "off", "on"]), default="auto", show_default=True,
                  help="Colour the keys.")
    def list_(color: str) -> None:
        """Print every option with its effective value."""
        use_color = None if color == "auto" else color == "on"
        for file in files:
            items = config_items(file.load())
            click.echo(click.style(f"# {file.path()}", dim=True), color=use_color)
            for key, value in items:
                click.echo(click.style(key, fg="cyan") + ": " + _format(value), color=use_color)

    @group.command("get-value")
    @click.argument("option")
    def get_value(option: str) -> None:
        """Print the effective value of OPTION."""
        for file in files:
            values = dict(config_items(file.load()))
            if option in values:
                click.echo(_format(values[option]))
                return
        raise CommandError(f"unknown option {option!r}")

    return group


def _format(value: Any) -> str:
    """Return a configuration value as it would read in YAML, on one line."""
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return "" if value is None else str(value)
