"""Revision 0008 on every backend: stored tokens keep their namespaces, names and hashes are unique."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from aiflow.errors import ConflictError
from aiflow.metadata import ApiToken, migrate, session_scope
from aiflow.metadata.queries import tokens as queries


def digest(character: str) -> str:
    return character * 64


def test_namespaces_come_back_as_stored_and_hashes_are_found(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        for name, namespaces in (("every", None), ("none", []), ("some", ["ml", "team"])):
            queries.add_token(session, name, digest(name[0]), "viewer", namespaces, "local")

    with session_scope(migrated_engine) as session:
        assert {token.name: token.namespaces for token in queries.list_tokens(session)} == {
            "every": None, "none": [], "some": ["ml", "team"]}
        found = queries.find_token(session, digest("s"))
        assert found is not None and found.name == "some" and found.create_time.tzinfo is not None
        assert queries.find_token(session, digest("x")) is None
        assert queries.any_token(session)
        assert queries.other_tokens(session, "every") and not queries.other_tokens(session, "every", "admin")


def test_a_name_or_a_hash_is_stored_once(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        queries.add_token(session, "ci", digest("a"), "editor", None, "local")

    with pytest.raises(ConflictError, match="token 'ci' already exists"), session_scope(migrated_engine) as session:
        queries.add_token(session, "ci", digest("b"), "editor", None, "local")
    with pytest.raises(IntegrityError), session_scope(migrated_engine) as session:
        session.add(ApiToken(name="other", token_sha256=digest("a"), role="viewer", created_by="local"))

    with session_scope(migrated_engine) as session:
        assert [token.name for token in queries.list_tokens(session)] == ["ci"]


def test_the_hash_is_looked_up_by_a_unique_index(migrated_engine: Engine) -> None:
    indexes = {index["name"]: index for index in inspect(migrated_engine).get_indexes("api_token")}

    assert indexes["ix_api_token_token_sha256"]["column_names"] == ["token_sha256"]
    assert indexes["ix_api_token_token_sha256"]["unique"]


def test_downgrade_from_0008_drops_only_the_token_table(migrated_engine: Engine) -> None:
    with session_scope(migrated_engine) as session:
        queries.add_token(session, "ci", digest("a"), "editor", None, "local")

    migrate.downgrade(migrated_engine, "0007")

    tables = set(inspect(migrated_engine).get_table_names())
    assert "api_token" not in tables and {"namespace", "store_identity"} <= tables
