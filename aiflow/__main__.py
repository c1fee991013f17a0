"""``python -m aiflow``: the ``aiflow`` command."""

from aiflow.cli.main import cli

cli()
