"""``python -m notification``: the ``notification`` command."""

from notification.cli.main import cli

cli()
