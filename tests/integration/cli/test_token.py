"""``aiflow token add|list|revoke`` against a live server with a configured admin token."""

from __future__ import annotations

import pytest
import yaml

from aiflow import ops
from tests.integration.cli.conftest import ADMIN_TOKEN, Aiflow, parse_table


@pytest.fixture
def as_admin(secured_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The secured server, called with its admin token."""
    monkeypatch.setenv("AIFLOW_TOKEN", ADMIN_TOKEN)
    return secured_server


def test_add_prints_the_secret_once_and_it_works(as_admin: str, aiflow: Aiflow,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    result = aiflow("token", "add", "ci", "--role", "editor", "-n", "team", "-n", "ml")

    assert result.exit_code == 0
    secret = result.stdout.strip()
    assert result.stderr.strip() == "Added token ci (editor); its secret, shown only now:"
    assert secret not in aiflow.ok("token", "list", "-o", "json")
    monkeypatch.setenv("AIFLOW_TOKEN", secret)
    assert aiflow.records("namespace", "list") == []  # neither team nor ml exists yet
    assert "only an admin token" in aiflow.fails("token", "list")


def test_list_in_every_format(as_admin: str, aiflow: Aiflow) -> None:
    aiflow.ok("token", "add", "fetcher", "--role", "worker")

    records = aiflow.records("token", "list")
    table = parse_table(aiflow.ok("token", "list"))
    plain = aiflow.ok("token", "list", "-o", "plain").splitlines()

    assert [(r["name"], r["role"], r["source"], r["namespaces"]) for r in records] == [
        ("fetcher", "worker", "database", None), ("root", "admin", "config", None)]
    assert yaml.safe_load(aiflow.ok("token", "list", "-o", "yaml")) == records
    assert [(row["name"], row["source"]) for row in table] == [("fetcher", "database"), ("root", "config")]
    assert plain[0].split("\t")[:4] == ["fetcher", "worker", "", "database"]
    assert records[0]["created_by"] == "root"
    assert set(records[0]) == {"name", "role", "namespaces", "source", "create_time", "created_by"}


def test_add_with_an_output_format_prints_the_record_with_its_secret(as_admin: str, aiflow: Aiflow) -> None:
    (record,) = aiflow.records("token", "add", "dash", "--role", "viewer")

    assert record["role"] == "viewer" and record["token"]
    assert [token.name for token in ops.list_tokens() or []] == ["dash", "root"]


def test_revoke(as_admin: str, aiflow: Aiflow, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = aiflow.ok("token", "add", "ci", "--role", "viewer").strip()

    assert aiflow.ok("token", "revoke", "ci", "-y") == "Revoked token ci.\n"

    assert [record["name"] for record in aiflow.records("token", "list")] == ["root"]
    monkeypatch.setenv("AIFLOW_TOKEN", secret)
    assert aiflow.fails("namespace", "list") == "Error: the bearer token is not valid"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["token", "revoke", "nope", "-y"], "Error: token 'nope' does not exist"),
        (["token", "revoke", "root", "-y"], "Error: token 'root' is configured in api_tokens; remove it there"),
        (["token", "add", "root", "--role", "viewer"], "Error: token 'root' is configured in api_tokens"),
        (["token", "add", "a b", "--role", "viewer"], "Error: Token name 'a b' may hold only"),
        (["token", "add", "x", "--role", "viewer", "-n", "a/b"], "Error: Namespace name 'a/b' may hold only"),
        (["token", "add", "x", "--role", "admin", "-n", "ml"], "Error: an admin token covers every namespace"),
        (["token", "add", "x", "--role", "owner"], "Error: field 'role' must be one of admin, editor, viewer, worker"),
        (["token", "add", "x"], "Error: Missing option '--role'"),
    ],
)
def test_errors_are_one_line(as_admin: str, aiflow: Aiflow, args: list[str], message: str) -> None:
    assert aiflow.fails(*args).startswith(message)
    assert [record["name"] for record in aiflow.records("token", "list")] == ["root"]


def test_revoke_asks_first(as_admin: str, aiflow: Aiflow) -> None:
    aiflow.ok("token", "add", "ci", "--role", "viewer")

    aiflow.fails("token", "revoke", "ci", input="n\n")

    assert [record["name"] for record in aiflow.records("token", "list")] == ["ci", "root"]
