"""``aiflow namespace`` against a live server, and how the CLI reaches and authenticates to it."""

from __future__ import annotations

import pytest

from tests.integration.cli.conftest import ADMIN_TOKEN, Aiflow
from tests.support import free_port


def test_add_list_delete(live_server: str, aiflow: Aiflow) -> None:
    assert aiflow.ok("namespace", "add", "ml", "--properties", '{"owner": "team-ml"}') == "Added namespace ml.\n"
    records = aiflow.records("namespace", "list")
    assert {"name": "ml", "properties": {"owner": "team-ml"}} in records
    assert aiflow.ok("namespace", "delete", "ml", "-y") == "Deleted namespace ml.\n"
    assert "ml" not in [record["name"] for record in aiflow.records("namespace", "list")]


def test_delete_asks_for_confirmation(live_server: str, aiflow: Aiflow) -> None:
    aiflow.ok("namespace", "add", "ml")
    aiflow.fails("namespace", "delete", "ml", input="n\n")
    assert "ml" in [record["name"] for record in aiflow.records("namespace", "list")]
    aiflow.ok("namespace", "delete", "ml", input="y\n")
    assert "ml" not in [record["name"] for record in aiflow.records("namespace", "list")]


def test_bad_properties_are_refused_before_any_call(live_server: str, aiflow: Aiflow) -> None:
    assert "not valid JSON" in aiflow.fails("namespace", "add", "ml", "--properties", "{oops")
    assert "must be a JSON object" in aiflow.fails("namespace", "add", "ml", "--properties", "[1]")
    assert "ml" not in [record["name"] for record in aiflow.records("namespace", "list")]


def test_server_errors_become_one_line(live_server: str, aiflow: Aiflow) -> None:
    assert "nope" in aiflow.fails("namespace", "delete", "nope", "-y")
    aiflow.ok("namespace", "add", "ml")
    assert "ml" in aiflow.fails("namespace", "add", "ml")


def test_unreachable_server(aiflow: Aiflow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIFLOW_SERVER_ADDRESS", f"127.0.0.1:{free_port()}")
    assert "cannot reach the AIFlow server" in aiflow.fails("namespace", "list")


def test_token_from_environment(secured_server: str, aiflow: Aiflow, monkeypatch: pytest.MonkeyPatch) -> None:
    aiflow.fails("namespace", "list")
    monkeypatch.setenv("AIFLOW_TOKEN", "wrong")
    aiflow.fails("namespace", "list")
    monkeypatch.setenv("AIFLOW_TOKEN", ADMIN_TOKEN)
    assert "default" in [record["name"] for record in aiflow.records("namespace", "list")]
