"""The Python SDK (``ai_flow.ops``) against a live server: what the CLI does not show."""

from __future__ import annotations

from pathlib import Path

import ai_flow.ops as ops
import pytest

from aiflow.ops import AIFlowException, NamespaceMeta

TWO_WORKFLOWS = """\
from ai_flow.model.workflow import Workflow
from ai_flow.operators.bash import BashOperator

with Workflow(name="first") as first:
    BashOperator(name="a", bash_command="echo a")

with Workflow(name="second") as second:
    BashOperator(name="b", bash_command="echo b")
"""


def test_upload_every_workflow_of_a_file(live_server: str, tmp_path: Path) -> None:
    path = tmp_path / "pair.py"
    path.write_text(TWO_WORKFLOWS)
    uploaded = ops.upload_workflows(str(path))
    assert sorted(meta.name for meta in uploaded) == ["first", "second"]
    assert sorted(meta.name for meta in ops.list_workflows() or []) == ["first", "second"]
    [snapshot] = ops.list_workflow_snapshots("first") or []
    assert ops.get_workflow_snapshot(snapshot.id) == snapshot
    assert uploaded[0].snapshot_id is not None and len(snapshot.content_hash) == 64


def test_absent_records_are_none(live_server: str) -> None:
    assert ops.get_namespace("nope") is None
    assert ops.get_workflow("nope") is None
    assert ops.get_workflow_execution(404) is None
    assert ops.get_task_execution(404) is None
    assert ops.get_workflow_schedule(404) is None
    assert ops.get_workflow_trigger(404) is None
    assert ops.get_workflow_snapshot(404) is None
    assert ops.list_workflows() is None
    assert ops.update_namespace("nope", {"a": "b"}) is None


def test_namespaces_paging_and_update(live_server: str) -> None:
    for name in ("a", "b", "c"):
        ops.add_namespace(name, {"n": name})
    names = [meta.name for meta in ops.list_namespace() or []]
    assert names == sorted(names) and {"a", "b", "c", "default"} <= set(names)
    assert [meta.name for meta in ops.list_namespace(limit=2, offset=1) or []] == names[1:3]
    assert ops.list_namespace(offset=len(names)) is None
    assert ops.update_namespace("b", {"owner": "me"}) == NamespaceMeta("b", {"owner": "me"})
    assert ops.get_namespace("b") == NamespaceMeta("b", {"owner": "me"})


def test_failures_carry_the_server_status_and_message(uploaded: str) -> None:
    with pytest.raises(AIFlowException) as raised:
        ops.start_workflow_execution("nope")
    assert (raised.value.status_code, raised.value.error) == (404, "not_found")
    assert "nope" in raised.value.detail
    assert str(raised.value) == raised.value.detail
    with pytest.raises(AIFlowException) as raised:
        ops.delete_namespace("default")
    assert raised.value.status_code == 409


def test_old_snapshots_are_deleted_and_the_current_one_kept(uploaded: str, tmp_path: Path) -> None:
    (tmp_path / "wf.py").write_text((tmp_path / "wf.py").read_text() + "# v2\n")
    ops.upload_workflows(str(tmp_path / "wf.py"))
    (tmp_path / "wf.py").write_text((tmp_path / "wf.py").read_text() + "# v3\n")
    ops.upload_workflows(str(tmp_path / "wf.py"))
    first, second, current = ops.list_workflow_snapshots(uploaded) or []

    ops.delete_workflow_snapshot(first.id)
    with pytest.raises(AIFlowException, match="current version"):
        ops.delete_workflow_snapshot(current.id)
    assert ops.get_workflow_snapshot(first.id) is None
    ops.delete_workflow_snapshots(uploaded)
    assert ops.list_workflow_snapshots(uploaded) == [current]
