"""Where the SDK sends its requests: the server address and token from the client configuration."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiflow.config import ClientConfig, load_client_config
from aiflow.ops.http import Server, resource, workflow_resource


@pytest.mark.parametrize(
    ("address", "base_url"),
    [
        ("http://localhost:8000", "http://localhost:8000/api/v1"),
        ("https://aiflow.example.com/", "https://aiflow.example.com/api/v1"),
        ("localhost:50051", "http://localhost:50051/api/v1"),
        ("http://proxy/aiflow/api/v1", "http://proxy/aiflow/api/v1"),
    ],
)
def test_base_url(address: str, base_url: str) -> None:
    assert Server.from_config(ClientConfig(server_address=address)).base_url == base_url


def test_token_header() -> None:
    assert Server.from_config(ClientConfig(token="s3cret")).headers() == {"Authorization": "Bearer s3cret"}
    assert Server.from_config(ClientConfig()).headers() == {}
    assert Server.from_config(ClientConfig(token="")).headers() == {}


def test_address_and_token_from_file_and_environment(
    isolated_homes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = isolated_homes / "aiflow"
    home.mkdir()
    (home / "aiflow_client.yaml").write_text("server_address: http://files:1\ntoken: from-file\n")
    assert Server.from_config(load_client_config()) == Server("http://files:1/api/v1", "from-file")
    monkeypatch.setenv("AIFLOW_SERVER_ADDRESS", "http://env:2")
    monkeypatch.setenv("AIFLOW_TOKEN", "from-env")
    assert Server.from_config(load_client_config()) == Server("http://env:2/api/v1", "from-env")


def test_path_segments_are_quoted() -> None:
    assert resource("namespaces", "a b/c") == "/namespaces/a%20b%2Fc"
    assert workflow_resource("ns", "wf", "executions", 3) == "/namespaces/ns/workflows/wf/executions/3"
