"""Property-based run of every documented operation: no 5xx, every response as documented.

Bounded to a fixed number of examples per operation, derandomized (well under two minutes).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.schemas import BaseSchema

from tests.integration.web.conftest import TOKENS, bearer, make_package, upload, workflow_source
from web.auth import hash_token

EXAMPLES_PER_OPERATION = 50
MAX_WAIT_S = 0.05
"""The longest an example's listing waits for events (the API allows 30 s; 50 examples need not take minutes)."""
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_schema(app_factory: Callable[..., Flask]) -> BaseSchema:
    """The served document of a server with a configured admin token, holding workflow ``wf`` in ``default``.

    The token is configured, not stored, so the tokens the run adds never change who may call.
    """
    app = app_factory(api_tokens={"root": {"token_sha256": hash_token(TOKENS["admin"]), "role": "admin"}})
    package = make_package({"wf.py": workflow_source()})
    assert upload(app.test_client(), package, headers=bearer("admin")).status_code == 201
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


@pytest.mark.schemathesis
def test_the_api_conforms_to_its_document(api_schema: BaseSchema) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def conforms(case: schemathesis.Case) -> None:
            if case.query and isinstance(case.query.get("wait"), int | float):
                case.query["wait"] = min(case.query["wait"], MAX_WAIT_S)
            case.call_and_validate(headers=bearer("admin"), checks=CHECKS)

        conforms()
