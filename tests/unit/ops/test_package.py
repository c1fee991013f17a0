"""Packing a workflow file and its artifacts into the uploaded zip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from aiflow.ops import AIFlowException
from aiflow.ops.package import build_package


def names(data: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(data)).namelist()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "flow.py").write_text("# workflow\n")
    (tmp_path / "config.yaml").write_text("a: 1\n")
    (tmp_path / "data" / "sub").mkdir(parents=True)
    (tmp_path / "data" / "sub" / "rows.csv").write_text("1,2\n")
    (tmp_path / "data" / "__pycache__").mkdir()
    (tmp_path / "data" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return tmp_path


def test_workflow_file_and_artifacts_sit_side_by_side(project: Path) -> None:
    package = build_package(project / "flow.py", [str(project / "config.yaml"), str(project / "data")])
    assert package.entry == "flow.py"
    assert names(package.data) == ["config.yaml", "data/sub/rows.csv", "flow.py"]
    archive = zipfile.ZipFile(io.BytesIO(package.data))
    assert archive.read("data/sub/rows.csv") == b"1,2\n"


def test_same_files_make_the_same_bytes(project: Path) -> None:
    first = build_package(project / "flow.py", [str(project / "data")])
    (project / "data" / "sub" / "rows.csv").touch()  # a newer modification time changes nothing
    assert build_package(project / "flow.py", [str(project / "data")]).data == first.data
    (project / "data" / "sub" / "rows.csv").write_text("3,4\n")
    assert build_package(project / "flow.py", [str(project / "data")]).data != first.data


def test_a_directory_given_with_a_trailing_slash_keeps_its_name(project: Path) -> None:
    package = build_package(project / "flow.py", [f"{project / 'data'}/"])
    assert "data/sub/rows.csv" in names(package.data)


def test_missing_paths_are_refused(project: Path) -> None:
    with pytest.raises(AIFlowException, match="workflow file .* does not exist"):
        build_package(project / "nope.py")
    with pytest.raises(AIFlowException, match="artifact .*missing.* does not exist"):
        build_package(project / "flow.py", [str(project / "missing")])


def test_two_paths_with_one_name_are_refused(project: Path) -> None:
    (project / "other").mkdir()
    (project / "other" / "config.yaml").write_text("b: 2\n")
    with pytest.raises(AIFlowException, match="would both be 'config.yaml'"):
        build_package(project / "flow.py", [str(project / "config.yaml"), str(project / "other" / "config.yaml")])
