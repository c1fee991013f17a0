"""``limit`` and ``offset`` on every list operation of the document."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.engine import Engine

from tests.integration.web.operations import OPERATIONS, populate

LISTS = [operation for operation in OPERATIONS if {"limit", "offset"} <= operation.query]
BAD_PAGING = ["limit=0", "limit=1001", "limit=x", "offset=-1", f"offset={2**63}"]


def test_the_document_has_every_list() -> None:
    # namespaces, workflows, snapshots, executions, task executions, schedules, triggers, events,
    # and rejected events of a namespace and of all
    assert len(LISTS) == 10


def test_every_list_pages_with_limit_and_offset(client: FlaskClient, engine: Engine) -> None:
    values = populate(client, engine, {})
    failures = []
    for operation in LISTS:
        url = operation.url(values)
        whole = client.get(url).json
        page = client.get(f"{url}?limit=1&offset=1").json
        past_the_end = client.get(f"{url}?offset={whole['total']}").json
        if whole["total"] < 2 or page != {"items": whole["items"][1:2], "total": whole["total"]}:
            failures.append(f"{operation}: {page} is not the second of {whole}")
        if past_the_end != {"items": [], "total": whole["total"]}:
            failures.append(f"{operation}: past the end {past_the_end}")
        failures += [f"{operation}?{bad}" for bad in BAD_PAGING if client.get(f"{url}?{bad}").status_code != 400]

    assert failures == []
