"""expand_env_var and get_aiflow_home, as workflow files call them through ``ai_flow.common.env``."""

from __future__ import annotations

from pathlib import Path

import pytest
from ai_flow.common.env import expand_env_var, get_aiflow_home


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FLINK_HOME", "/opt/flink")
    monkeypatch.setenv("OUTER", "${INNER}/outer")
    monkeypatch.setenv("INNER", "$FLINK_HOME/inner")
    monkeypatch.setenv("TILDE", "~/data")
    monkeypatch.delenv("UNSET_HOME", raising=False)


@pytest.mark.parametrize(
    ("value", "expanded"),
    [
        ("${FLINK_HOME}/examples/WordCount.jar", "/opt/flink/examples/WordCount.jar"),
        ("$FLINK_HOME/bin/flink", "/opt/flink/bin/flink"),
        ("~/jobs", "<home>/jobs"),
        ("$OUTER/x", "/opt/flink/inner/outer/x"),
        ("$TILDE/in", "<home>/data/in"),
        ("${UNSET_HOME}/examples/app.jar", "${UNSET_HOME}/examples/app.jar"),
        ("$UNSET_HOME", "$UNSET_HOME"),
        ("plain/path", "plain/path"),
        ("a~b", "a~b"),
    ],
)
def test_variables_and_the_home_tilde_are_expanded(value: str, expanded: str, tmp_path: Path) -> None:
    assert expand_env_var(value) == expanded.replace("<home>", str(tmp_path / "home"))


@pytest.mark.parametrize("empty", [None, ""])
def test_none_and_the_empty_string_come_back_unchanged(empty: str | None) -> None:
    assert expand_env_var(empty) is empty


def test_a_self_referencing_variable_expands_once_and_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOP", "$LOOP")

    assert expand_env_var("$LOOP") == "$LOOP"


def test_the_home_is_aiflow_home_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIFLOW_HOME", "$FLINK_HOME/../aiflow")

    assert get_aiflow_home() == "/opt/flink/../aiflow"


@pytest.mark.parametrize("unset", [None, ""])
def test_the_home_defaults_to_aiflow_below_the_user_home(
    unset: str | None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if unset is None:
        monkeypatch.delenv("AIFLOW_HOME", raising=False)
    else:
        monkeypatch.setenv("AIFLOW_HOME", unset)

    assert get_aiflow_home() == str(tmp_path / "home" / "aiflow")
