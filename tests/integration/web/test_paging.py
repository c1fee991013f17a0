"""``limit`` and ``offset`` on every list operation of the document."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.engine import Engine

from tests.integration.web.conftest import bearer
from tests.integration.web.operations import OPERATIONS, populate

LISTS = [operation for operation in OPERATIONS if {"limit", "offset"} <= operation.query]
BAD_PAGING = ["limit=0", "limit=1001", "limit=x", "offset=-1", f"offset={2**63}"]


def test_the_document_has_every_list() -> None:
    # namespaces, workflows, snapshots, executions, task executions, schedules, triggers, events,
    # rejected events of a namespace and of all, and tokens
    assert len(LISTS) == 11


def test_every_list_pages_with_limit_and_offset(secured_app: Flask, engine: Engine) -> None:
    """On a server with configured tokens (an open one would close when a token is added), as its admin."""
    client, admin = secured_app.test_client(), bearer("admin")
    values = populate(client, engine, admin)
    failures = []
    for operation in LISTS:
        url = operation.url(values)
        whole = client.get(url, headers=admin).json
        page = client.get(f"{url}?limit=1&offset=1", headers=admin).json
        past_the_end = client.get(f"{url}?offset={whole['total']}", headers=admin).json
        if whole["total"] < 2 or page != {"items": whole["items"][1:2], "total": whole["total"]}:
            failures.append(f"{operation}: {page} is not the second of {whole}")
        if past_the_end != {"items": [], "total": whole["total"]}:
            failures.append(f"{operation}: past the end {past_the_end}")
        failures += [f"{operation}?{bad}" for bad in BAD_PAGING
                     if client.get(f"{url}?{bad}", headers=admin).status_code != 400]

    assert failures == []
