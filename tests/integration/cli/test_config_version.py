"""``aiflow config init | list | get-value`` on a fresh home, and ``aiflow version``."""

from __future__ import annotations

import pytest
import yaml

from aiflow.config import aiflow_home
from aiflow.version import get_version
from tests.integration.cli.conftest import Aiflow


def test_version(aiflow: Aiflow) -> None:
    assert aiflow.ok("version") == f"{get_version()}\n"


def test_init_writes_both_files_once(aiflow: Aiflow) -> None:
    home = aiflow_home()
    server, client = home / "aiflow_server.yaml", home / "aiflow_client.yaml"

    assert aiflow.ok("config", "init") == f"Wrote {server}\nWrote {client}\n"
    assert yaml.safe_load(server.read_text())["rest_port"] == 8000
    client.write_text("server_address: http://example:9000\n")
    assert "already exists; left unchanged" in aiflow.ok("config", "init")
    assert aiflow.ok("config", "get-value", "server_address") == "http://example:9000\n"


def test_list_shows_every_file_and_value(aiflow: Aiflow, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIFLOW_REST_PORT", "8123")
    lines = aiflow.ok("config", "list", "--color", "off").splitlines()

    assert lines[0] == f"# {aiflow_home() / 'aiflow_server.yaml'}"
    assert "rest_port: 8123" in lines
    assert f"# {aiflow_home() / 'aiflow_client.yaml'}" in lines
    assert "\x1b[" in aiflow.ok("config", "list", "--color", "on")
    assert "\x1b[" not in aiflow.ok("config", "list")  # auto: not a terminal


@pytest.mark.parametrize(("option", "value"), [("rest_port", "8000"), ("log_dir", "{home}/logs")])
def test_get_value(aiflow: Aiflow, option: str, value: str) -> None:
    assert aiflow.ok("config", "get-value", option) == value.format(home=aiflow_home()) + "\n"


def test_unknown_option_fails_in_one_line(aiflow: Aiflow) -> None:
    assert aiflow.fails("config", "get-value", "rest_prot") == "Error: unknown option 'rest_prot'"
    assert aiflow.fails("config", "list", "--color", "blue").startswith("Error: Invalid value for '--color'")
