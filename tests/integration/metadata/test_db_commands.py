"""``aiflow db init | upgrade | downgrade | reset`` through click, on every backend."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import URL, select
from sqlalchemy.engine import Engine

from aiflow.cli.db import db
from aiflow.metadata import DEFAULT_NAMESPACE, Namespace, migrate, session_scope


@pytest.fixture
def aiflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: URL) -> Path:
    """A temporary AIFLOW_HOME whose configuration points at the backend's database."""
    monkeypatch.setenv("AIFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("AIFLOW_METADATA_BACKEND_URI", database_url.render_as_string(hide_password=False))
    return tmp_path


def run_db(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(db, list(args), input=input)


def namespace_names(engine: Engine) -> list[str]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Namespace.name).order_by(Namespace.name)))


@pytest.mark.usefixtures("aiflow_home")
def test_db_init_creates_the_schema_and_says_so(engine: Engine) -> None:
    result = run_db("init")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Initialized the metadata database ")
    assert result.stdout.count("\n") == 1
    assert namespace_names(engine) == [DEFAULT_NAMESPACE]


@pytest.mark.usefixtures("aiflow_home")
def test_db_downgrade_to_base_then_upgrade(engine: Engine) -> None:
    run_db("init")

    downgraded = run_db("downgrade", "-v", "base")
    assert downgraded.exit_code == 0, downgraded.output
    assert downgraded.stdout.rstrip().endswith("at base.")
    assert migrate.current_revisions(engine) == ()

    upgraded = run_db("upgrade")
    head = migrate.revision_ids()[-1]
    assert upgraded.exit_code == 0, upgraded.output
    assert upgraded.stdout.rstrip().endswith(f"at revision {head}.")
    assert migrate.current_revisions(engine) == (head,)


@pytest.mark.usefixtures("aiflow_home", "engine")
def test_db_downgrade_without_version_fails_with_one_line() -> None:
    result = run_db("downgrade")

    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "-v VERSION" in result.stderr


@pytest.mark.usefixtures("aiflow_home", "engine")
def test_db_upgrade_to_unknown_revision_fails_with_one_line() -> None:
    result = run_db("upgrade", "-v", "no_such_revision")

    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot migrate to 'no_such_revision'")
    assert result.stderr.count("\n") == 1


@pytest.mark.usefixtures("aiflow_home")
def test_db_reset_keeps_the_data_unless_confirmed(engine: Engine) -> None:
    run_db("init")
    with session_scope(engine) as session:
        session.add(Namespace(name="team"))

    declined = run_db("reset", input="n\n")
    assert declined.exit_code == 1
    assert namespace_names(engine) == [DEFAULT_NAMESPACE, "team"]

    confirmed = run_db("reset", "-y")
    assert confirmed.exit_code == 0, confirmed.output
    assert confirmed.stdout.startswith("Reset the metadata database ")
    assert namespace_names(engine) == [DEFAULT_NAMESPACE]


def test_db_init_defaults_to_sqlite_in_a_new_aiflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AIFLOW_HOME", str(home))
    monkeypatch.delenv("AIFLOW_METADATA_BACKEND_URI", raising=False)

    result = run_db("init")

    assert result.exit_code == 0, result.output
    assert f"sqlite:///{home}/aiflow.db at revision" in result.stdout
    assert (home / "aiflow.db").is_file()
