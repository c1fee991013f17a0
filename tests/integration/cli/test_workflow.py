"""``aiflow workflow`` against a live server."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import requests

from tests.integration.cli.conftest import Aiflow, write_workflow


def package_names(server: str, snapshot_id: int) -> list[str]:
    """The member names of a snapshot's stored package."""
    response = requests.get(f"{server}/api/v1/snapshots/{snapshot_id}/package", timeout=10)
    response.raise_for_status()
    return sorted(zipfile.ZipFile(io.BytesIO(response.content)).namelist())


def test_upload_with_files_and_directories(live_server: str, aiflow: Aiflow, tmp_path: Path) -> None:
    workflow_file = write_workflow(tmp_path)
    (tmp_path / "settings.yaml").write_text("a: 1\n")
    (tmp_path / "data" / "nested").mkdir(parents=True)
    (tmp_path / "data" / "nested" / "rows.csv").write_text("1,2\n")
    files = f"{tmp_path / 'settings.yaml'}, {tmp_path / 'data'}"
    output = aiflow.ok("workflow", "upload", str(workflow_file), "-f", files)
    assert output.startswith("Uploaded workflow default/wf (snapshot ")
    [record] = aiflow.records("workflow", "show", "wf")
    assert package_names(live_server, record["snapshot_id"]) == ["data/nested/rows.csv", "settings.yaml", "wf.py"]


def test_uploading_the_same_files_again_makes_no_new_snapshot(uploaded: str, aiflow: Aiflow, tmp_path: Path) -> None:
    [before] = aiflow.records("workflow", "show", uploaded)
    aiflow.ok("workflow", "upload", str(write_workflow(tmp_path)))
    [after] = aiflow.records("workflow", "show", uploaded)
    assert after["snapshot_id"] == before["snapshot_id"]


def test_upload_to_the_declared_namespace(live_server: str, aiflow: Aiflow, tmp_path: Path) -> None:
    aiflow.ok("namespace", "add", "team")
    assert "team/nightly" in aiflow.ok("workflow", "upload", str(write_workflow(tmp_path, "nightly", "team")))
    assert [r["name"] for r in aiflow.records("workflow", "list", "-n", "team")] == ["nightly"]
    assert aiflow.records("workflow", "list") == []


def test_upload_of_a_broken_file_fails_with_its_line(live_server: str, aiflow: Aiflow, tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("from ai_flow.model.workflow import Workflow\n\nwith Workflow(name='x') as w:\n    pass(\n")
    assert "broken.py, line" in aiflow.fails("workflow", "upload", str(broken))
    assert "does not exist" in aiflow.fails("workflow", "upload", str(write_workflow(tmp_path)), "-f", "missing.txt")
    assert aiflow.records("workflow", "list") == []


def test_disable_and_enable(uploaded: str, aiflow: Aiflow) -> None:
    assert aiflow.ok("workflow", "disable", uploaded) == "Disabled workflow default/wf.\n"
    assert aiflow.records("workflow", "show", uploaded)[0]["is_enabled"] is False
    assert "disabled" in aiflow.fails("workflow-execution", "start", uploaded)
    assert aiflow.ok("workflow", "enable", uploaded) == "Enabled workflow default/wf.\n"
    assert aiflow.records("workflow", "show", uploaded)[0]["is_enabled"] is True


def test_delete_confirms_then_deletes(uploaded: str, aiflow: Aiflow) -> None:
    aiflow.fails("workflow", "delete", uploaded, input="n\n")
    assert len(aiflow.records("workflow", "list")) == 1
    assert aiflow.ok("workflow", "delete", uploaded, "-y") == "Deleted workflow default/wf.\n"
    assert aiflow.records("workflow", "list") == []
    assert aiflow.fails("workflow", "show", uploaded) == "Error: workflow default/wf does not exist"


def test_unknown_workflow_and_namespace(live_server: str, aiflow: Aiflow) -> None:
    assert "nope" in aiflow.fails("workflow", "enable", "nope")
    assert "ghost" in aiflow.fails("workflow", "list", "-n", "ghost")
