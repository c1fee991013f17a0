"""``aiflow token``: add, list and revoke API tokens while the server runs (needs an admin token)."""

from __future__ import annotations

import click

from aiflow.cli.base import AIFlowGroup
from aiflow.cli.output import output_option, result_output_option
from aiflow.cli.resources import confirm, echo_records, yes_option
from aiflow.ops import token_ops as ops


@click.group("token", cls=AIFlowGroup)
def token() -> None:
    """Manage the API server's tokens."""


@token.command()
@click.option("--role", required=True,
              help="admin, editor, viewer or worker (which may only fetch workflow packages).")
@click.option("-n", "--namespace", "namespaces", multiple=True,
              help="A namespace the token may access; repeat for more (default: every namespace).")
@result_output_option
@click.argument("token_name")
def add(token_name: str, role: str, namespaces: tuple[str, ...], output: str | None) -> None:
    """Add a token and print its secret, which is shown only this once."""
    added = ops.add_token(token_name, role, list(namespaces) if namespaces else None)
    if output is not None:
        echo_records([added], output)
        return
    click.echo(f"Added token {token_name} ({role}); its secret, shown only now:", err=True)
    click.echo(added.token)


@token.command("list")
@output_option
def list_(output: str) -> None:
    """List the tokens, configured and added (never their secrets)."""
    echo_records(ops.list_tokens(), output)


@token.command()
@yes_option
@click.argument("token_name")
def revoke(token_name: str, yes: bool) -> None:
    """Revoke an added token; the server refuses it at once."""
    confirm(yes, f"Revoke token {token_name}?")
    ops.revoke_token(token_name)
    click.echo(f"Revoked token {token_name}.")
