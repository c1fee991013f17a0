"""The ``aiflow`` command tree against the documented CLI reference: every command and option, and ``-h``."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from aiflow.cli.main import cli

NAMESPACE, OUTPUT, YES = ["-n", "--namespace"], ["-o", "--output"], ["-y", "--yes"]

#: Each documented command with the option names the reference lists for it (positionals are not listed).
DOCUMENTED: dict[str, list[str]] = {
    "config get-value": [],
    "config init": [],
    "config list": ["--color"],
    "db downgrade": ["-v", "--version"],
    "db init": [],
    "db reset": YES,
    "db rebind-bus": YES,  # beyond the reference: accept a new pairing with the event bus
    "db upgrade": ["-v", "--version"],
    "namespace add": ["--properties"],
    "namespace delete": YES,
    "namespace list": OUTPUT,
    "server start": ["-d", "--daemon"],
    "server stop": [],
    "workflow delete": [*NAMESPACE, *YES],
    "workflow list": [*NAMESPACE, *OUTPUT],
    "workflow disable": [*NAMESPACE, *OUTPUT],
    "workflow enable": NAMESPACE,
    "workflow show": [*NAMESPACE, *OUTPUT],
    "workflow upload": ["-f", "--files"],
    "workflow-execution delete": YES,
    "workflow-execution list": [*NAMESPACE, *OUTPUT],
    "workflow-execution show": OUTPUT,
    "workflow-execution start": NAMESPACE,
    "workflow-execution stop": [],
    "workflow-execution stop-all": [*NAMESPACE, *YES],
    "task-execution list": OUTPUT,
    "task-execution show": OUTPUT,
    "task-execution start": [],
    "task-execution stop": [],
    "task-execution logs": ["-f", "--follow"],  # issue 4, beyond the reference
    "workflow-schedule add": NAMESPACE,
    "workflow-schedule delete": YES,
    "workflow-schedule delete-all": [*NAMESPACE, *YES],
    "workflow-schedule list": [*NAMESPACE, *OUTPUT],
    "workflow-schedule pause": [],
    "workflow-schedule resume": [],
    "workflow-schedule show": OUTPUT,
    "workflow-trigger delete": YES,
    "workflow-trigger delete-all": [*NAMESPACE, *YES],
    "workflow-trigger list": [*NAMESPACE, *OUTPUT],
    "workflow-trigger pause": [],
    "workflow-trigger resume": [],
    "workflow-trigger show": OUTPUT,
    "token add": ["--role", "-n", "--namespace", *OUTPUT],  # issue 12, beyond the reference
    "token list": OUTPUT,
    "token revoke": YES,
    "webserver start": ["-d", "--daemon"],
    "webserver stop": [],
    "version": [],
}


def find(path: str) -> click.Command:
    """The command at ``path`` (``"workflow list"``)."""
    command: click.Command = cli
    for name in path.split():
        assert isinstance(command, click.Group), path
        found = command.get_command(click.Context(command), name)  # sub-commands load when asked for
        assert found is not None, f"aiflow {path}: no command {name!r}"
        command = found
    return command


@pytest.mark.parametrize("path", DOCUMENTED)
def test_documented_command_has_its_options(path: str) -> None:
    options = {name for param in find(path).params for name in param.opts if isinstance(param, click.Option)}

    assert set(DOCUMENTED[path]) <= options


@pytest.mark.parametrize("path", DOCUMENTED)
def test_dash_h_shows_help(path: str) -> None:
    result = CliRunner().invoke(cli, [*path.split(), "-h"], prog_name="aiflow")

    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: aiflow {path}")
