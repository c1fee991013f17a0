"""What the API refuses at the door, sent to the running stack: each a 4xx JSON answer, nothing stored.

Bad names (namespace, workflow, task), periodic expressions that never fire or are out of range,
trigger conditions of the wrong shape, event fields that are not text or over their bounds, and
bodies with NaN or Infinity. After each refusal the stack holds what it held before and the
canary still succeeds.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import cloudpickle
import pytest

from aiflow.model.names import MAX_NAME_LENGTH
from notification.limits import DEFAULT_MAX_VALUE_BYTES, MAX_CONTEXT_BYTES, MAX_KEY_BYTES, MAX_SENDER_BYTES
from tests.faults.conftest import Running, Scene
from tests.faults.stack import zipped

WORKFLOW = "/namespaces/default/workflows/door"
EVENTS = "/namespaces/default/events"
BAD_NAMES = ["", " padded", "a/b", "..", ".", "a..b", "tab\there", "nul\x00", "x" * (MAX_NAME_LENGTH + 1)]
DECLARATION = '''
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name={workflow!r}) as workflow:
    BashOperator(name={task!r}, bash_command="true"{options})
'''
NEVER_FIRES = ["cron@0 0 31 2 *", "cron@0 0 30 2 *", "cron@0 0 31 4,6,9,11 *", "cron@R * * * *", "cron@61 * * * *",
               "cron@* * * *", "interval@0 0 0 0", "interval@3651 0 0 0", "interval@0 0 -1 0", "interval@0 0 \u00b2 0",
               "interval@100000000000000000000 0 0 0", "hourly", ""]


def custom(code: bytes, keys: Any = ("k",)) -> dict[str, Any]:
    return {"kind": "custom", "expect_event_keys": list(keys) if isinstance(keys, tuple) else keys, "label": "C()",
            "code": base64.b64encode(code).decode()}


BAD_CONDITIONS = {
    "keys_5": {"kind": "event", "keys": 5},
    "no_keys": {"kind": "event", "keys": []},
    "key_not_text": {"kind": "event", "keys": [5]},
    "key_too_long": {"kind": "event", "keys": ["k" * (MAX_KEY_BYTES + 1)]},
    "unknown_match": {"kind": "event", "keys": ["k"], "match": "some"},
    "unknown_kind": {"kind": "sometimes"},
    "not_an_object": "event k",
    "no_status": {"kind": "task_status", "all": []},
    "unknown_status": {"kind": "task_status", "all": [{"task": "run", "status": "BOGUS"}]},
    "custom_keys_5": custom(cloudpickle.dumps(None), keys=5),
    "custom_code_not_base64": {**custom(b""), "code": "!!!"},
    "custom_code_not_a_pickle": custom(b"not a pickle"),
    "custom_code_not_a_condition": custom(cloudpickle.dumps(5)),
    "missing": None,
}


def upload(files: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    return ("POST", "/namespaces/default/workflows", {"files": files})


def declared(workflow: str = "declared", task: str = "t", options: str = "") -> dict[str, str]:
    return {"wf.py": DECLARATION.format(workflow=workflow, task=task, options=options)}


def strict_json(path: str, body: bytes, method: str = "POST") -> tuple[str, str, dict[str, Any]]:
    return (method, path, {"data": body, "headers": {"Content-Type": "application/json"}})


def cases() -> Iterator[Any]:
    for name in BAD_NAMES:
        yield pytest.param("POST", "/namespaces", {"json": {"name": name}}, id=f"namespace-{name[:12]!r}")
        yield pytest.param(*upload(declared(workflow=name)), id=f"workflow-{name[:12]!r}")
        yield pytest.param(*upload(declared(task=name)), id=f"task-{name[:12]!r}")
    yield pytest.param("POST", "/namespaces", {"json": {"name": 7}}, id="namespace-not-text")
    for expression in NEVER_FIRES:
        yield pytest.param("POST", f"{WORKFLOW}/schedules", {"json": {"expression": expression}},
                           id=f"schedule-{expression!r}")
        yield pytest.param(*upload(declared(options=f", periodic_expression={expression!r}")),
                           id=f"periodic-{expression!r}")
    yield pytest.param("POST", f"{WORKFLOW}/schedules", {"json": {"expression": 5}}, id="schedule-not-text")
    for name, condition in BAD_CONDITIONS.items():
        yield pytest.param("POST", f"{WORKFLOW}/triggers", {"json": {"condition": condition}}, id=f"trigger-{name}")
    yield pytest.param("POST", f"{WORKFLOW}/triggers", {"json": {"rule": "not base64!"}}, id="trigger-rule")
    yield from event_cases()
    for path in ("/namespaces", EVENTS, f"{WORKFLOW}/schedules", f"{WORKFLOW}/triggers"):
        for body in (b'{"name": NaN, "key": NaN, "expression": NaN, "condition": NaN}',
                     b'{"name": "x", "key": "k", "value": Infinity}', b'{"expression": -Infinity}', b"1e999",
                     b'{"condition": {"kind": "event", "keys": ["k"], "x": 1e999}}'):
            yield pytest.param(*strict_json(path, body), id=f"json-{path}-{body[:24].decode()}")
    yield pytest.param(*strict_json("/namespaces/default", b'{"properties": {"x": NaN}}', "PATCH"), id="json-patch")


def event_cases() -> Iterator[Any]:
    fields: dict[str, Any] = {
        "key-empty": {"key": ""},
        "key-not-text": {"key": 5},
        "key-list": {"key": ["a"]},
        "key-too-long": {"key": "k" * (MAX_KEY_BYTES + 1)},
        "key-reserved": {"key": "aiflow.command", "value": "{}"},
        "value-not-text": {"key": "k", "value": 5},
        "value-too-long": {"key": "k", "value": "v" * (DEFAULT_MAX_VALUE_BYTES + 1)},
        "sender-too-long": {"key": "k", "sender": "s" * (MAX_SENDER_BYTES + 1)},
        "context-too-long": {"key": "k", "context": "c" * (MAX_CONTEXT_BYTES + 1)},
        "context-not-text": {"key": "k", "context": {"a": 1}},
        "lone-surrogate": {"key": "k", "value": "\ud800"},
    }
    for name, body in fields.items():
        yield pytest.param("POST", EVENTS, {"json": body}, id=f"event-{name}")


@pytest.fixture(scope="module")
def door(running: Running) -> None:
    """A workflow ``door`` in namespace default, for the schedules and triggers to be refused."""
    response = running.api.upload("default", declared(workflow="door", task="run"))
    assert response.status_code == 201, response.text


def stored(scene: Scene) -> dict[str, Any]:
    """What the API shows of everything the refused requests could have added."""
    api = scene.api
    return {
        "namespaces": api.ok("GET", "/namespaces")["items"],
        "workflows": api.ok("GET", "/namespaces/default/workflows")["items"],
        "snapshots": api.ok("GET", f"{WORKFLOW}/snapshots")["items"],
        "schedules": api.ok("GET", f"{WORKFLOW}/schedules")["items"],
        "triggers": api.ok("GET", f"{WORKFLOW}/triggers")["items"],
        "events": api.ok("GET", f"{EVENTS}/count")["count"],
    }


@pytest.mark.parametrize(("method", "path", "request_options"), list(cases()))
def test_bad_input_is_refused_with_a_4xx_json_answer_and_nothing_stored(
    method: str, path: str, request_options: dict[str, Any], door: None, scene: Scene
) -> None:
    before = stored(scene)
    options = dict(request_options)
    if "files" in options:
        options = {"files": {"package": ("package.zip", zipped(options.pop("files")))}}

    response = scene.api.call(method, path, **options)

    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"] and (response.json().get("detail") or response.json().get("message"))
    assert stored(scene) == before
    scene.canary_sings()
    scene.assert_contained()

