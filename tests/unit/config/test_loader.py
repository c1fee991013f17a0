"""Loading configuration files: defaults, types, environment overrides, placeholders, errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from aiflow.config import ClientConfig, ServerConfig, load_client_config, load_server_config
from aiflow.config.loader import config_items, describe, load_config, render_template
from aiflow.errors import ConfigError
from notification.config import NotificationConfig, load_notification_config

HOMES = {"AIFLOW_HOME": "/srv/aiflow"}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_file_gives_the_defaults_with_placeholders_expanded(tmp_path: Path) -> None:
    config = load_config(ServerConfig, tmp_path / "absent.yaml", "AIFLOW_", HOMES, environ={})

    assert config.rest_port == 8000
    assert config.metadata_backend_uri == "sqlite:////srv/aiflow/aiflow.db"
    assert config.log_dir == "/srv/aiflow/logs"
    assert config.history_retention == timedelta(days=30)


def test_values_from_the_file_are_typed(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "rest_port: '9000'\nsql_alchemy_pool_enabled: 'no'\n"
                                      "history_retention: 1d12h\nlog_dir: ${AIFLOW_HOME}/l\n")

    config = load_config(ServerConfig, path, "AIFLOW_", HOMES, environ={})

    assert config.rest_port == 9000
    assert config.sql_alchemy_pool_enabled is False
    assert config.history_retention == timedelta(days=1, hours=12)
    assert config.log_dir == "/srv/aiflow/l"


def test_environment_variables_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", "rest_port: 9000\n")
    environ = {"AIFLOW_REST_PORT": "9100", "AIFLOW_K8S_EXECUTOR_CONFIG": "{namespace: ml}"}

    config = load_config(ServerConfig, path, "AIFLOW_", HOMES, environ=environ)

    assert config.rest_port == 9100
    assert config.k8s_executor_config == {"namespace": "ml"}


def test_nested_placeholders_expand(tmp_path: Path) -> None:
    config = load_config(ClientConfig, tmp_path / "absent.yaml", "AIFLOW_", HOMES, environ={})

    assert config.blob_manager["blob_manager_config"]["root_directory"] == "/srv/aiflow/blob"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rest_port: abc\n", r"s\.yaml: rest_port: expected an integer, got 'abc'"),
        ("rest_port: [1]\n", "rest_port: expected an integer"),
        ("rest_port: true\n", "rest_port: expected an integer"),
        ("sql_alchemy_pool_enabled: maybe\n", "sql_alchemy_pool_enabled: expected true or false"),
        ("history_retention: soon\n", "history_retention: expected a duration"),
        ("log_dir: {a: 1}\n", "log_dir: expected a string"),
        ("metadata_backend_uri:\n", "metadata_backend_uri: a value is required"),
        ("no_such_key: 1\n", "unknown key 'no_such_key'"),
        ("rest_port: [1\n", r"not valid YAML \(line 2, column 1\)"),
        ("- a list\n", "expected a mapping of keys to values, got list"),
    ],
)
def test_bad_files_give_one_line_naming_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "s.yaml", text)

    with pytest.raises(ConfigError, match=message) as error:
        load_config(ServerConfig, path, "AIFLOW_", HOMES, environ={})

    assert "\n" not in str(error.value)
    assert str(path) in str(error.value)


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="environment variable AIFLOW_REST_PORT: rest_port: expected an integer"):
        load_config(ServerConfig, tmp_path / "absent.yaml", "AIFLOW_", HOMES, environ={"AIFLOW_REST_PORT": "x"})


@pytest.mark.parametrize("schema", [ServerConfig, ClientConfig, NotificationConfig])
def test_the_written_template_loads_back_to_the_defaults(tmp_path: Path, schema: type) -> None:
    path = write(tmp_path / "t.yaml", render_template(schema))

    loaded = load_config(schema, path, "X_", HOMES, environ={})

    assert loaded == load_config(schema, tmp_path / "absent.yaml", "X_", HOMES, environ={})
    assert all(f"# {description}\n{key}:" in render_template(schema) for key, description in describe(schema))


def test_home_directories_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AIFLOW_HOME", str(tmp_path / "a"))
    monkeypatch.setenv("NOTIFICATION_HOME", str(tmp_path / "n"))
    write(tmp_path / "n.yaml", "")
    (tmp_path / "n").mkdir()
    write(tmp_path / "n" / "notification_server.yaml", "server_port: 6399\n")

    assert load_server_config().log_dir == f"{tmp_path}/a/logs"
    assert load_client_config().server_address == "http://localhost:8000"
    assert load_notification_config().server_port == 6399


def test_config_items_show_durations_as_written(tmp_path: Path) -> None:
    config = load_config(ServerConfig, tmp_path / "absent.yaml", "AIFLOW_", HOMES, environ={})

    assert dict(config_items(config))["history_retention"] == "30d"
