"""The ``notification`` command's event, config and db sub-commands, through click's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from notification.cli.main import cli
from notification.client import NotificationClient


@pytest.fixture
def run(redis_url: str):  # type: ignore[no-untyped-def]
    """Run ``notification <args>`` against the private Redis; return the click result."""
    runner = CliRunner()

    def invoke(*args: str, server: bool = True, input: str | None = None):  # type: ignore[no-untyped-def]
        extra = ["-s", redis_url] if server else []
        return runner.invoke(cli, [*args, *extra], input=input)

    return invoke


def test_send_then_list_in_every_format(run) -> None:  # type: ignore[no-untyped-def]
    assert run("event", "send", "k", "v1").output == "Sent event 'k' at offset 1.\n"
    run("event", "send", "k", "v2", "-n", "ns", "--sender", "me", "--context", "c")
    run("event", "send", "other", "x")

    listed = json.loads(run("event", "list", "k", "-o", "json").output)
    assert [(e["offset"], e["value"], e["namespace"], e["sender"], e["context"]) for e in listed] == [
        (1, "v1", "default", None, None), (2, "v2", "ns", "me", "c")]
    assert [e["value"] for e in yaml.safe_load(run("event", "list", "k", "-o", "yaml", "-n", "ns").output)] == ["v2"]
    table = run("event", "list", "k").output.splitlines()
    assert table[0].split() == ["offset", "key", "value", "namespace", "sender", "context", "create_time"]
    assert len(table) == 4
    assert run("event", "list", "k", "--begin-offset", "1", "-o", "plain").output.startswith("2\tk\tv2\tns\tme\tc\t")
    assert run("event", "count", "k").output == "2\n"
    assert run("event", "count", "k", "--sender", "me").output == "1\n"
    assert run("event", "list", "k", "--begin-time", "2999-01-01T00:00:00").output == "No data.\n"


def test_list_and_count_skip_entries_the_bus_did_not_write(run, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    run("event", "send", "k", "v1")
    with NotificationClient(redis_url) as client:
        client.redis.xadd("aiflow:events:key:k", {"k": b"\xff"})
    run("event", "send", "k", "v2")

    listed = run("event", "list", "k", "-o", "json")

    assert listed.exit_code == 0 and [e["value"] for e in json.loads(listed.output)] == ["v1", "v2"]
    assert run("event", "count", "k").output == "2\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["event", "list", "k", "--begin-time", "yesterday"], "is not an ISO 8601 date and time"),
        (["event", "list", "k", "--begin-offset", "-1"], "-1 is not in the range x>=0"),
        (["event", "send", "k"], "Missing argument 'VALUE'"),
        (["event", "nope"], "No such command 'nope'"),
    ],
)
def test_usage_errors_exit_1_with_one_line(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)

    assert result.exit_code == 1
    assert message in result.output and result.output.count("\n") == 1


def test_an_oversized_key_is_refused_and_nothing_is_stored(run, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    result = run("event", "send", "k" * 2000, "v")

    assert result.exit_code == 1
    assert result.output == "Error: event key is 2000 bytes; the limit is 1024\n"
    with NotificationClient(redis_url) as client:
        assert client.latest_offset() == 0


def test_an_unreachable_server_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["event", "list", "k", "-s", "redis://127.0.0.1:1/0"])

    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1


def test_verbose_shows_the_traceback() -> None:
    result = CliRunner().invoke(cli, ["--verbose", "event", "list", "k", "-s", "http://nowhere"])

    assert result.exit_code == 1
    assert result.exception is not None and "not a Redis URL" in str(result.exception)


def test_db_commands_prepare_and_remove_the_store(run, redis_url: str) -> None:  # type: ignore[no-untyped-def]
    assert run("db", "init").output == "Event store ready (layout version 2).\n"
    assert run("db", "init").exit_code == 0
    run("event", "send", "k", "v")
    assert run("db", "upgrade").output == "Event store at layout version 2.\n"
    assert run("db", "downgrade", "-v", "1").output == "Event store at layout version 1.\n"
    assert run("db", "upgrade").output == "Event store at layout version 2.\n"
    assert run("db", "downgrade", "-v", "7").exit_code == 1
    assert "Missing option '-v'" in run("db", "downgrade").output
    assert run("db", "reset", input="n\n").exit_code == 1
    assert run("event", "count", "k").output == "1\n"

    assert run("db", "reset", "-y").exit_code == 0

    assert run("event", "count", "k").output == "0\n"
    assert run("db", "downgrade", "-v", "base").output == "Event store at layout version 0.\n"
    with NotificationClient(redis_url) as client:
        assert client.redis.keys("*") == []


def test_config_init_writes_once_and_values_can_be_read(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "notification" / "notification_server.yaml"

    assert runner.invoke(cli, ["config", "init"]).output == f"Wrote {path}\n"
    path.write_text(path.read_text() + "server_port: 6400\n")
    assert "already exists" in runner.invoke(cli, ["config", "init"]).output
    assert runner.invoke(cli, ["config", "get-value", "server_port"]).output == "6400\n"
    assert runner.invoke(cli, ["config", "get-value", "history_retention"]).output == "30d\n"
    listed = runner.invoke(cli, ["config", "list", "--color", "off"]).output
    assert "server_port: 6400" in listed and "max_event_value_bytes: 1048576" in listed
    bad = runner.invoke(cli, ["config", "get-value", "server_prt"])
    assert bad.exit_code == 1 and bad.output == "Error: unknown option 'server_prt'\n"
